"""Per-restaurant state kept by the menu service: the newest pure refresh state, when a
screen last asked, and what it holds (view, snapshot, a first load under way)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from msgspec.structs import replace

from app.clock import Clock, parse_iso
from app.errors import NotFound
from app.refresh.decide import RefreshState
from app.serve.status import RestaurantFacts
from app.serve.views import MenuView
from app.store.snapshot_record import Snapshot


@dataclass(eq=False)
class Tracked:
    guid: str
    state: RefreshState
    """The refresh bookkeeping: an immutable value, replaced by each transition."""
    last_requested: float
    """Monotonic time a screen last asked: a plain attribute, since every request writes
    it (a new state per request would be an allocation on the hot path)."""
    view: MenuView | None = None
    snapshot: Snapshot | None = None
    loading_task: asyncio.Future[MenuView] | None = field(default=None, repr=False)
    not_found: NotFound | None = None
    _lock: asyncio.Lock | None = field(default=None, repr=False)
    _lock_users: int = field(default=0, repr=False)

    @classmethod
    def asked(cls, guid: str, mono: float) -> Tracked:
        """``guid`` first asked for at ``mono`` (monotonic): its check and stock poll due."""
        return cls(guid, RefreshState(next_check=mono, next_stock=mono), mono)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold this restaurant's lock (one check at a time). The lock exists only while
        someone holds or waits for it: one kept per restaurant for good was one more
        object every full garbage collection visits, a thousand at 1,000 restaurants."""
        lock = self._lock = self._lock or asyncio.Lock()
        self._lock_users += 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users -= 1
            if not self._lock_users:
                self._lock = None

    @property
    def busy(self) -> bool:
        """A check holds the lock or waits for it."""
        return self._lock_users > 0

    def show(self, view: MenuView, snapshot: Snapshot | None = None) -> None:
        """Serve ``view`` from now on (and remember the snapshot it was built from)."""
        self.view = view
        if snapshot is not None:
            self.snapshot = snapshot.released()
        until = view.valid_until
        self.state = replace(self.state, has_view=True,
                             reprice_at=until.timestamp() if until is not None else None)

    def held(self) -> float | None:
        """``lastUpdated`` of the copy held, as UNIX seconds."""
        return parse_iso(self.snapshot.last_updated) if self.snapshot is not None else None

    def facts(self, clock: Clock) -> RestaurantFacts:
        """What operators see: numbers, turned into text only at the edge."""
        view, s = self.view, self.state
        if view is None:
            return RestaurantFacts(self.guid, last_error=s.last_error,
                                   stock_error=s.stock_error, pinned=s.pinned)
        now, mono = clock.now(), clock.monotonic()
        return RestaurantFacts(
            self.guid,
            name=view.info.name,
            last_updated=view.last_updated,
            fetched_at=view.fetched_at,
            checked_at=s.checked_at or None,
            stale=view.stale,
            rows=len(view.rows),
            last_error=s.last_error,
            stock_error=s.stock_error,
            next_check=now + max(0.0, s.next_check - mono),
            next_stock=now + max(0.0, s.next_stock - mono),
            pinned=s.pinned,
        )
