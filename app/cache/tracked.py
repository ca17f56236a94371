"""Per-restaurant state kept by the menu service: the pure refresh state plus what it holds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app.cache.decide import RefreshState
from app.cache.snapshot import Snapshot
from app.cache.status import RestaurantFacts
from app.cache.views import MenuView
from app.clock import Clock
from app.errors import NotFound


@dataclass(eq=False)
class Tracked(RefreshState):
    view: MenuView | None = None
    snapshot: Snapshot | None = None
    loading_task: asyncio.Future[MenuView] | None = field(default=None, repr=False)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    not_found: NotFound | None = None

    def show(self, view: MenuView, snapshot: Snapshot | None = None) -> None:
        """Serve ``view`` from now on (and remember the snapshot it was built from)."""
        self.view = view
        if snapshot is not None:
            self.snapshot = snapshot.released()
        self.has_view = True
        until = view.valid_until
        self.reprice_at = until.timestamp() if until is not None else None

    def facts(self, clock: Clock) -> RestaurantFacts:
        """What operators see: numbers, turned into text only at the edge."""
        view = self.view
        if view is None:
            return RestaurantFacts(self.guid, last_error=self.last_error,
                                   stock_error=self.stock_error, pinned=self.pinned)
        now, mono = clock.now(), clock.monotonic()
        return RestaurantFacts(
            self.guid,
            name=view.info.name,
            last_updated=view.last_updated,
            fetched_at=view.fetched_at,
            checked_at=self.checked_at or None,
            stale=view.stale,
            rows=len(view.rows),
            last_error=self.last_error,
            stock_error=self.stock_error,
            next_check=now + max(0.0, self.next_check - mono),
            next_stock=now + max(0.0, self.next_stock - mono),
            pinned=self.pinned,
        )
