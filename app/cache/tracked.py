"""Per-restaurant refresh state kept by the menu service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app.cache.loader import Snapshot
from app.cache.views import MenuView
from app.clock import Clock, iso_utc
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
    urgent_at: float | None = None
    """Monotonic time a webhook-driven ``/menus`` fetch is due (None: none pending)."""
    published_at: float | None = None
    """The newest ``publishedDate`` announced by a webhook and not yet fetched."""
    recheck_step: int = 0

    def status(self, clock: Clock) -> dict[str, object]:
        now, mono = clock.now(), clock.monotonic()
        view = self.view
        return {
            "restaurant": self.guid,
            "name": view.info.name if view else None,
            "lastUpdated": view.last_updated if view else None,
            "fetchedAt": iso_utc(view.fetched_at) if view else None,
            "checkedAt": iso_utc(self.checked_at) if self.checked_at else None,
            "stale": view.stale if view else None,
            "rows": len(view.rows) if view else 0,
            "lastError": self.last_error,
            "stockError": self.stock_error,
            "nextCheck": iso_utc(now + max(0.0, self.next_check - mono)) if view else None,
            "nextStockCheck": iso_utc(now + max(0.0, self.next_stock - mono)) if view else None,
            "pinned": self.pinned,
        }
