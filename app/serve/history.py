"""Each restaurant's recent menu versions and what changed in each (``/admin/changes``).

A version is recorded whenever the rows a screen gets change (a published menu,
a stock change, a time-specific price taking effect) or Toast publishes a new
``lastUpdated``. The newest ``RELAY_HISTORY_SIZE`` are kept per restaurant, in
memory and, with ``RELAY_DATA_DIR``, in ``history/<guid>.json`` so they survive
restarts.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Literal

import msgspec

from app.clock import iso_utc
from app.files import WRITES, private_dir
from app.menu.availability import zone
from app.menu.diff import Changes, diff_rows
from app.serve.views import MenuView

Reason = Literal["first", "menu", "stock", "time"]


class Version(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    at: float
    """Wall time the relay started serving this version."""
    reason: Reason
    lastUpdated: str
    etag: str
    """The ETag of the unfiltered JSON answer, as screens saw it."""
    rows: int
    changes: Changes | None = None
    """None for the first version the relay knows (nothing to compare it with)."""


def classify(old: MenuView | None, new: MenuView) -> Reason | None:
    """Why ``new`` is a new version after ``old``, or None when it is not one (a stale flag
    flipped, nothing a screen reads changed)."""
    if old is None:
        return "first"
    menu = new.last_updated != old.last_updated or new.fetched_at != old.fetched_at
    if new.rows is old.rows or new.rows == old.rows:
        return "menu" if new.last_updated != old.last_updated else None
    if menu:
        return "menu"
    return "stock" if new.stock != old.stock else "time"


_DECODER = msgspec.json.Decoder(tuple[Version, ...])
_ENCODER = msgspec.json.Encoder()


class History:
    def __init__(self, *, size: int, directory: Path | None = None,
                 logger: logging.Logger | None = None) -> None:
        self.size = size
        self._dir = directory
        self._log = logger or logging.getLogger("toast_relay.history")
        # Tuples, not deques: a restaurant's versions then stay out of the garbage
        # collector's view (a version is added a few times a day at most).
        self._versions: dict[str, tuple[Version, ...]] = {}
        if directory is not None:
            private_dir(directory)

    def _path(self, guid: str) -> Path | None:
        return self._dir / f"{guid}.json" if self._dir is not None else None

    def _of(self, guid: str) -> tuple[Version, ...]:
        versions = self._versions.get(guid)
        if versions is None:
            versions = self._versions[guid] = self._load(guid)[-self.size:]
        return versions

    def _load(self, guid: str) -> tuple[Version, ...]:
        path = self._path(guid)
        if path is None:
            return ()
        WRITES.wait(path)  # a write of this file may still be on its way
        if not path.exists():
            return ()
        try:
            return _DECODER.decode(path.read_bytes())
        except (OSError, msgspec.DecodeError) as exc:
            self._log.warning("change history unreadable, starting a new one", extra={
                "restaurant": guid, "error": f"{type(exc).__name__}: {exc}"})
            return ()

    def record(self, guid: str, old: MenuView | None, new: MenuView, now: float) -> Version | None:
        """Note ``new`` if it is a new version after ``old``; return what was recorded."""
        reason = classify(old, new)
        if reason is None:
            return None
        versions = self._of(guid)
        if old is None and versions and versions[-1].lastUpdated == new.last_updated:
            return None  # a copy restored after a restart: already in the history
        changes = diff_rows(old.rows, new.rows, new.info.currency) if old is not None else None
        version = Version(at=now, reason=reason, lastUpdated=new.last_updated,
                          etag=new.json.etag, rows=len(new.rows), changes=changes)
        versions = self._versions[guid] = (*versions, version)[-self.size:]
        self._save(guid, versions)
        return version

    def _save(self, guid: str, versions: tuple[Version, ...]) -> None:
        path = self._path(guid)
        if path is None:
            return
        # Written behind (off the event loop); a full or read-only disk loses the
        # history's durability, never a board.
        done = WRITES.submit(path, _ENCODER.encode(versions))

        def failed(f: Future[None]) -> None:
            exc = f.exception()
            if isinstance(exc, OSError):
                self._log.error("could not save the change history; check RELAY_DATA_DIR",
                                extra={"restaurant": guid,
                                       "error": f"{type(exc).__name__}: {exc.strerror}"})

        done.add_done_callback(failed)

    def versions(self, guid: str) -> list[Version]:
        """The kept versions of ``guid``, newest first."""
        return list(reversed(self._of(guid)))


def versions_json(versions: list[Version], time_zone: str | None) -> list[dict[str, object]]:
    """Versions as ``/admin/changes`` shows them: ``at`` in UTC and in the restaurant's
    local time (``atLocal``), since "what did the board show at 6 pm?" means local 6 pm."""
    tz = zone(time_zone)
    out: list[dict[str, object]] = []
    for v in versions:
        data = msgspec.to_builtins(v)
        data["at"] = iso_utc(v.at)
        data["atLocal"] = datetime.fromtimestamp(v.at, tz).isoformat(timespec="seconds")
        out.append(data)
    return out
