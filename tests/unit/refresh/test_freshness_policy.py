"""Pure freshness rules: is a fetched menu as new as the webhook said, when to look again."""

from __future__ import annotations

from app.menu.model import StockEntry
from app.menu.stock import with_stock_event
from app.refresh.policy import RECHECK_DELAYS, is_current, recheck_delay


def test_current_when_last_updated_reaches_published_date() -> None:
    """A document as new as (or newer than) publishedDate is current; older is not."""
    assert is_current(100.0, 100.0) and is_current(101.0, 100.0)
    assert not is_current(99.9, 100.0)


def test_unreadable_dates_count_as_current() -> None:
    """Without a readable date on either side, one fetch is enough (no retry loop)."""
    assert is_current(None, 100.0) and is_current(100.0, None)


def test_recheck_schedule_is_short_then_stops() -> None:
    """Tries again after 2, 5, 15, 30 and 60 s, then gives up (the poll takes over)."""
    assert [recheck_delay(i) for i in range(len(RECHECK_DELAYS))] == [2, 5, 15, 30, 60]
    assert recheck_delay(len(RECHECK_DELAYS)) is None


def test_stock_event_overlay() -> None:
    """A stock event replaces that item's entry; IN_STOCK removes it; others are untouched."""
    other = StockEntry(guid="B", status="OUT_OF_STOCK")
    stock = [StockEntry(guid="A", status="QUANTITY", quantity=3.0, multiLocationId="m"), other]
    out = with_stock_event(stock, "a", "OUT_OF_STOCK", None)
    assert out[0] is other
    assert (out[1].guid, out[1].status, out[1].quantity, out[1].multiLocationId) == (
        "a", "OUT_OF_STOCK", None, "m")
    assert with_stock_event(stock, "A", "IN_STOCK", None) == [other]
    low = with_stock_event([], "c", "QUANTITY", 2.0)
    assert (low[0].status, low[0].quantity) == ("QUANTITY", 2.0)
