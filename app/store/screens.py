"""Where screen definitions are kept: a small interface, in memory or in RELAY_DATA_DIR.

The Redis version (``app/store/screens_redis.py``) keeps one definition for every
replica. Each definition has a ``version`` that grows by one on every write, so
``If-Match`` can refuse a write based on an older copy (412).
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import orjson

from app.errors import StaleVersion
from app.files import DamageReport, atomic_write
from app.screens.model import Screen, parse_screen

log = logging.getLogger("toast_relay.screens")
Listener = Callable[[str], Awaitable[None]]
"""Called with a screen's name when another replica changed or deleted it."""


@dataclass(frozen=True, slots=True, eq=False)
class Stored:
    """One version of a screen; compared and hashed by identity (a cache key per version)."""

    name: str
    screen: Screen
    version: int
    updated_at: str

    def as_json(self) -> dict[str, Any]:
        return {"screen": self.name, "version": self.version, "updatedAt": self.updated_at,
                "definition": self.screen.as_json()}

    def encode(self) -> bytes:
        return orjson.dumps(self.as_json())

    @classmethod
    def decode(cls, data: bytes | str) -> Stored:
        raw = orjson.loads(data)
        return cls(str(raw["screen"]), parse_screen(raw["definition"]), int(raw["version"]),
                   str(raw["updatedAt"]))


def check_version(name: str, current: Stored | None, expected: int | None) -> None:
    """412 unless ``expected`` (from If-Match) is the current version (0: no screen yet)."""
    if expected is None:
        return
    have = current.version if current is not None else 0
    if have != expected:
        raise StaleVersion(f"screen {name!r} is at version {have}, not {expected}; GET it "
                           "again, apply your change to that copy and PUT it with If-Match: "
                           f'"{have}"')


class ScreenStore(abc.ABC):
    @abc.abstractmethod
    async def all(self) -> dict[str, Stored]: ...

    @abc.abstractmethod
    async def get(self, name: str) -> Stored | None: ...

    @abc.abstractmethod
    async def put(self, name: str, screen: Screen, expected: int | None,
                  updated_at: str) -> Stored:
        """Store ``screen`` as the next version; 412 when ``expected`` is not current."""

    @abc.abstractmethod
    async def delete(self, name: str, expected: int | None) -> bool:
        """Remove ``name`` (False: there was none); 412 when ``expected`` is not current."""

    async def watch(self, listener: Listener) -> None:
        """Deliver other replicas' changes to ``listener`` until cancelled (none here)."""
        return None


class MemoryScreens(ScreenStore):
    """This process only (no RELAY_DATA_DIR): gone on restart."""

    def __init__(self) -> None:
        self._screens: dict[str, Stored] = {}
        self._lock = asyncio.Lock()

    async def all(self) -> dict[str, Stored]:
        return dict(self._screens)

    async def get(self, name: str) -> Stored | None:
        return self._screens.get(name)

    async def put(self, name: str, screen: Screen, expected: int | None,
                  updated_at: str) -> Stored:
        async with self._lock:
            current = self._screens.get(name)
            check_version(name, current, expected)
            stored = Stored(name, screen, (current.version if current else 0) + 1, updated_at)
            await self._save(stored)
            self._screens[name] = stored
            return stored

    async def delete(self, name: str, expected: int | None) -> bool:
        async with self._lock:
            current = self._screens.get(name)
            check_version(name, current, expected)
            if current is None:
                return False
            await self._remove(name)
            del self._screens[name]
            return True

    async def _save(self, stored: Stored) -> None:
        return None

    async def _remove(self, name: str) -> None:
        return None


class DirectoryScreens(MemoryScreens):
    """One JSON file per screen under ``directory``, each written atomically."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self._damage = DamageReport(log, "saved screen")
        self._loaded = False

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    async def all(self) -> dict[str, Stored]:
        if not self._loaded:
            self._screens = await anyio.to_thread.run_sync(self._read_all)
            self._loaded = True
        return await super().all()

    def _read_all(self) -> dict[str, Stored]:
        found: dict[str, Stored] = {}
        if not self.directory.is_dir():
            return found
        for path in sorted(self.directory.glob("*.json")):
            try:
                stored = Stored.decode(path.read_bytes())
            except Exception as exc:  # any damage: skip the file, say so once
                self._damage.damaged(path, f"cannot be read ({type(exc).__name__})",
                                     "the screen is left out until it is saved again")
                continue
            found[stored.name] = stored
        return found

    async def get(self, name: str) -> Stored | None:
        await self.all()
        return await super().get(name)

    async def put(self, name: str, screen: Screen, expected: int | None,
                  updated_at: str) -> Stored:
        await self.all()
        return await super().put(name, screen, expected, updated_at)

    async def delete(self, name: str, expected: int | None) -> bool:
        await self.all()
        return await super().delete(name, expected)

    async def _save(self, stored: Stored) -> None:
        path = self._path(stored.name)
        await anyio.to_thread.run_sync(atomic_write, path, stored.encode())
        self._damage.rewritten(path)

    async def _remove(self, name: str) -> None:
        await anyio.to_thread.run_sync(lambda: self._path(name).unlink(missing_ok=True))
