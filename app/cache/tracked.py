"""Per-restaurant refresh state kept by the menu service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app.cache.loader import Snapshot
from app.cache.views import MenuView
from app.cache.status import RestaurantFacts
from app.clock import Clock
from app.errors import NotFound


@dataclass(eq=False)
class Tracked:
    guid: str
    last_requested: float
    next_check: float
    next_stock: float
    pinned: bool = False
    failures: int = 0
    stock_failures: int = 0
    last_error: str | None = None
    stock_error: str | None = None
    checked_at: float = 0.0
    """Wall time Toast last confirmed the copy we hold."""
    view: MenuView | None = None
    snapshot: Snapshot | None = None
    loading: asyncio.Future[MenuView] | None = field(default=None, repr=False)
    checking: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    not_found: NotFound | None = None
    not_found_until: float = 0.0

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
