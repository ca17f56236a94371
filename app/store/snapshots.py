"""Where each restaurant's last good copy lives: one record per restaurant.

A deliberately tiny interface (get / put-if-newer / close) so a shared backend
(Redis) sits beside the in-process ones without the service changing.
``MemorySnapshots`` is bounded; ``DirectorySnapshots`` adds durability under
``RELAY_DATA_DIR`` so a relay restarted during a Toast outage still has
something to serve.
"""

from __future__ import annotations

import abc
import contextlib
import logging
from concurrent.futures import Future
from functools import partial
from pathlib import Path

from cachetools import LRUCache

from app.errors import ToastBadResponse
from app.files import WRITES, DamageReport, private_dir
from app.store.snapshot_record import Snapshot, decode_snapshot, encode_snapshot
from app.store.snapshots_legacy import read_legacy

_INSTEAD = ("ignoring it: the menu is loaded from Toast instead, and the file is replaced "
            "by the next good copy")


class SnapshotStore(abc.ABC):
    shared = False
    """True when other replicas write the same records (then a change is announced)."""

    @abc.abstractmethod
    async def get(self, guid: str) -> Snapshot | None: ...

    @abc.abstractmethod
    async def put(self, snap: Snapshot) -> bool:
        """Keep ``snap`` if it is newer than the stored copy; True when it was written."""

    async def close(self) -> None:
        return None


class MemorySnapshots(SnapshotStore):
    """Bounded in-process store; the least recently used restaurant goes first."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._snaps: LRUCache[str, Snapshot] = LRUCache(maxsize=max_entries)

    async def get(self, guid: str) -> Snapshot | None:
        return self._snaps.get(guid)

    def all(self) -> list[Snapshot]:
        """Every copy held (to write back to a shared store that lost them)."""
        return list(self._snaps.values())

    async def put(self, snap: Snapshot) -> bool:
        old = self._snaps.get(snap.guid)
        if old is not None and old.version >= snap.version:
            return False
        self._snaps[snap.guid] = snap.released()
        return True


class DirectorySnapshots(SnapshotStore):
    """Memory first; every write also saved atomically as ``<guid>.snapshot`` (mode 0600)."""

    def __init__(self, directory: Path, memory: MemorySnapshots | None = None,
                 logger: logging.Logger | None = None) -> None:
        self._dir = private_dir(directory)
        self._memory = memory or MemorySnapshots()
        self._log = logger or logging.getLogger("toast_relay.refresh")
        self._damage = DamageReport(self._log, "saved menu")

    def all(self) -> list[Snapshot]:
        return self._memory.all()

    @staticmethod
    def _safe(guid: str) -> str:
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in guid)

    def _path(self, guid: str) -> Path:
        return self._dir / f"{self._safe(guid)}.snapshot"

    async def get(self, guid: str) -> Snapshot | None:
        snap = await self._memory.get(guid)
        if snap is not None:
            return snap
        path = self._path(guid)
        WRITES.wait(path)  # a write of this record may still be on its way
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            old = read_legacy(self._dir, self._safe(guid), guid)
            if old is not None:  # an older relay's files: kept as one record from now on
                with contextlib.suppress(OSError):
                    await self.put(old)
            return old
        except OSError as exc:
            self._damage.damaged(path, f"cannot be read ({exc.strerror})", _INSTEAD)
            return None
        try:
            snap = decode_snapshot(raw)
        except ToastBadResponse:
            self._damage.damaged(path, "is damaged (not a complete saved menu)", _INSTEAD)
            return None
        await self._memory.put(snap)
        return snap

    async def put(self, snap: Snapshot) -> bool:
        if not await self._memory.put(snap):
            return False
        path = self._path(snap.guid)
        # Written behind (off the event loop, in order): each write ends with an fsync,
        # which on a busy disk takes up to hundreds of ms, and a burst of a hundred
        # published menus held the loop that long per copy. A failed write loses the
        # copy's durability, never the board: it is logged, as ``save`` would.
        done = WRITES.submit(path, encode_snapshot(snap))
        done.add_done_callback(partial(self._written, path, snap.guid))
        return True

    def _written(self, path: Path, guid: str, done: Future[None]) -> None:
        exc = done.exception()
        if exc is None:
            self._damage.rewritten(path)
        elif isinstance(exc, OSError):
            self._log.error("could not save the last good copy; check RELAY_DATA_DIR", extra={
                "restaurant": guid, "error": f"{type(exc).__name__}: {exc.strerror}"})
