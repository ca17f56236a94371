"""Per-restaurant state kept by the menu service: the pure refresh state plus what it holds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app.cache.decide import RefreshState
from app.cache.snapshot import Snapshot
from app.cache.views import MenuView
from app.clock import iso_utc
from app.errors import NotFound

TIME_FIELDS = ("fetchedAt", "checkedAt", "nextCheck", "nextStockCheck")


def printable(state: dict[str, object]) -> dict[str, object]:
    """``status`` as status pages show it: times as ISO 8601 UTC."""
    return {k: iso_utc(v) if k in TIME_FIELDS and isinstance(v, float) else v
            for k, v in state.items()}


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
            self.snapshot = snapshot
        self.has_view = True
        until = view.valid_until
        self.reprice_at = until.timestamp() if until is not None else None

    def status(self, now: float, mono: float) -> dict[str, object]:
        """Numbers and flags for /admin/status and metrics (times as UNIX seconds)."""
        view = self.view
        return {
            "restaurant": self.guid,
            "name": view.info.name if view else None,
            "lastUpdated": view.last_updated if view else None,
            "fetchedAt": view.fetched_at if view else None,
            "checkedAt": self.checked_at or None,
            "stale": view.stale if view else None,
            "rows": len(view.rows) if view else 0,
            "lastError": self.last_error,
            "stockError": self.stock_error,
            "nextCheck": now + max(0.0, self.next_check - mono) if view else None,
            "nextStockCheck": now + max(0.0, self.next_stock - mono) if view else None,
            "pinned": self.pinned,
        }
