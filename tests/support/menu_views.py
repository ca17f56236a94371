"""Menu views built from the example menus document, and the history they make."""

from __future__ import annotations

import msgspec

from app.menu.flatten import flatten
from app.menu.model import StockEntry, decode_menus
from app.menu.restaurant import RestaurantInfo
from app.serve.history import History
from app.serve.views import MenuView
from tests.support.menu_docs import EXAMPLE, NOW

INFO = RestaurantInfo("r-guid", "Café Crème", "America/New_York", "USD")


def view(stale: bool = False, changed_at: float = 1000.0) -> MenuView:
    """The example document as a view of ``INFO``, flattened at ``NOW``."""
    flat = flatten(decode_menus(EXAMPLE.read_bytes()), now=NOW)
    return MenuView(info=INFO, flat=flat, stock=[], fetched_at=900.0, stale=stale,
                    changed_at=changed_at)


def sold_out(v: MenuView, now: float = 2000.0) -> MenuView:
    """``v`` with its first item sold out (a stock change)."""
    return v.with_changes(stock=[StockEntry(guid=v.rows[0].guid, status="OUT_OF_STOCK")],
                          now=now)


def republished(v: MenuView, last_updated: str, now: float = 3000.0) -> MenuView:
    """``v`` re-published by Toast with its first item at $99."""
    flat = v.flat
    rows = (msgspec.structs.replace(flat.rows[0], price=99.0, priceText="$99.00"),
            *flat.rows[1:])
    return v.with_changes(flat=msgspec.structs.replace(flat, rows=rows, last_updated=last_updated),
                          fetched_at=now, now=now)


def three_versions() -> tuple[History, MenuView, MenuView]:
    """A history of "r" with a first version, a stock change and a republished menu."""
    h = History(size=10)
    v1 = view()
    v2 = sold_out(v1)
    v3 = republished(v2, "2026-01-01T00:00:00.000+0000")
    for old, new, at in ((None, v1, 1.0), (v1, v2, 2.0), (v2, v3, 3.0)):
        h.record("r", old, new, at)
    return h, v1, v3
