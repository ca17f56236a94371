"""Where the last good copy of each restaurant's Toast data lives.

A deliberately tiny interface (get/set/delete/close of versioned entries) so a
Redis backend can sit behind it without any route changing. The in-memory store
is bounded; ``DirectoryStore`` adds durability under ``RELAY_DATA_DIR`` so a
relay restarted during a Toast outage still has something to serve.
"""

from __future__ import annotations

import abc
import os
import tempfile
from pathlib import Path

import msgspec
from cachetools import LRUCache


class Entry(msgspec.Struct, frozen=True):
    """One stored document: raw bytes plus the facts needed to judge its age.

    ``version`` grows by one on every write of the same key, so readers can
    tell cheaply whether what they rendered is still current.
    """

    version: int
    body: bytes
    meta: dict[str, str | float | None] = msgspec.field(default_factory=dict)


class Store(abc.ABC):
    @abc.abstractmethod
    async def get(self, key: str) -> Entry | None: ...

    @abc.abstractmethod
    async def set(self, key: str, body: bytes, meta: dict[str, str | float | None]) -> Entry:
        """Store ``body`` under ``key`` with the next version number; return the entry."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    async def close(self) -> None:
        return None


class MemoryStore(Store):
    """Bounded in-process store; the least recently used restaurant goes first."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: LRUCache[str, Entry] = LRUCache(maxsize=max_entries)

    async def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    async def set(self, key: str, body: bytes, meta: dict[str, str | float | None]) -> Entry:
        old = self._entries.get(key)
        entry = Entry(version=(old.version + 1) if old else 1, body=body, meta=dict(meta))
        self._entries[key] = entry
        return entry

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)


_META = msgspec.json.Encoder()
_META_DECODER = msgspec.json.Decoder(dict[str, str | float | None])


class DirectoryStore(Store):
    """A write-through layer: memory first, every write also saved atomically to disk.

    Files are ``<key>.body`` and ``<key>.meta.json``; the meta file is written
    last, so a crash between the two leaves the previous pair readable.
    """

    def __init__(self, directory: Path, memory: MemoryStore | None = None) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._memory = memory or MemoryStore()

    def _paths(self, key: str) -> tuple[Path, Path]:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
        return self._dir / f"{safe}.body", self._dir / f"{safe}.meta.json"

    async def get(self, key: str) -> Entry | None:
        entry = await self._memory.get(key)
        if entry is not None:
            return entry
        body_path, meta_path = self._paths(key)
        try:
            meta = _META_DECODER.decode(meta_path.read_bytes())
            body = body_path.read_bytes()
        except (OSError, msgspec.DecodeError):
            return None
        if meta.get("size") != len(body):
            return None  # torn write: body and meta disagree
        return await self._memory.set(key, body, meta)

    async def set(self, key: str, body: bytes, meta: dict[str, str | float | None]) -> Entry:
        entry = await self._memory.set(key, body, meta)
        body_path, meta_path = self._paths(key)
        atomic_write(body_path, body)
        atomic_write(meta_path, _META.encode({**meta, "size": len(body)}))
        return entry

    async def delete(self, key: str) -> None:
        await self._memory.delete(key)
        for path in self._paths(key):
            path.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
