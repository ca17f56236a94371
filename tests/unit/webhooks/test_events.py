"""Toast webhook payloads → typed events, and one clear line for anything else."""

from __future__ import annotations

import orjson
import pytest

from app.webhooks.events import (
    MalformedEvent,
    MenusUpdated,
    OtherEvent,
    StockChanged,
    read_envelope,
    to_event,
)

R = "00000000-1111-2222-3333-444444444444"
ITEM = "5c5bd3d2-8a0b-4a44-a1c1-4d7dd8a9d2b1"


def body(category: str, event_type: str, details: dict[str, object]) -> bytes:
    return orjson.dumps({"timestamp": "2024-05-01T12:00:00.000Z", "eventCategory": category,
                         "eventType": event_type, "guid": "e-1", "details": details})


def parse(raw: bytes, header: str | None = None) -> object:
    return to_event(read_envelope(raw, header))


def test_menus_updated_reads_restaurant_and_published_date() -> None:
    """menus_updated gives the restaurant (lower-cased) and publishedDate as UNIX seconds."""
    event = parse(body("menus", "menus_updated", {
        "restaurantGuid": R.upper(), "publishedDate": "2021-10-06T20:11:01.737Z"}))
    assert event == MenusUpdated("e-1", R, 1633551061.737)


def test_menus_updated_with_unreadable_date_still_fetches() -> None:
    """A missing or odd publishedDate gives published_at None (fetch once, no retries)."""
    event = parse(body("menus", "menus_updated", {"restaurantGuid": R,
                                                  "publishedDate": "yesterday"}))
    assert isinstance(event, MenusUpdated) and event.published_at is None


@pytest.mark.parametrize(("event_type", "details", "status", "quantity"), [
    ("out_of_stock", {"status": "OUT_OF_STOCK"}, "OUT_OF_STOCK", None),
    ("low_quantity", {"status": "QUANTITY", "quantity": 3.0}, "QUANTITY", 3.0),
    ("low_quantity", {"status": "QUANTITY", "quantity": 2}, "QUANTITY", 2.0),
    ("in_stock", {"status": "IN_STOCK"}, "IN_STOCK", None),
    ("in_stock", {"status": "QUANTITY", "quantity": 12.0}, "QUANTITY", 12.0),
    ("out_of_stock", {"status": "QUANTITY", "quantity": 0}, "OUT_OF_STOCK", None),
    ("out_of_stock", {}, "OUT_OF_STOCK", None),
])
def test_stock_events(event_type: str, details: dict[str, object], status: str,
                      quantity: float | None) -> None:
    """Stock events give item, status and quantity; quantity 0 means out of stock."""
    event = parse(body("stock", event_type, {"restaurantGuid": R, "itemGuid": ITEM,
                                             "multiLocationId": "100000001", "versionId": None,
                                             **details}))
    assert event == StockChanged("e-1", R, ITEM, status, quantity)


def test_restaurant_falls_back_to_the_header() -> None:
    """Without details.restaurantGuid the Toast-Restaurant-External-ID header names it."""
    event = parse(body("stock", "out_of_stock", {"itemGuid": ITEM, "status": "OUT_OF_STOCK"}),
                  header=R)
    assert isinstance(event, StockChanged) and event.restaurant == R


def test_partner_and_unknown_events_are_other() -> None:
    """Partner events (no restaurant needed) and unknown types are valid but unused."""
    event = parse(body("partner", "partner_added", {"restaurantGuid": R}))
    assert event == OtherEvent("e-1", R, "partner", "partner_added")
    assert isinstance(parse(body("orders", "order_updated", {})), OtherEvent)


@pytest.mark.parametrize(("raw", "says"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (orjson.dumps({"timestamp": "t", "eventCategory": "menus", "eventType": "x",
                   "guid": "g"}), "details"),
    (orjson.dumps({"eventCategory": "menus", "eventType": "x", "guid": "g",
                   "details": {}}), "timestamp"),
    (orjson.dumps({"timestamp": "t", "eventCategory": "menus", "eventType": "x",
                   "guid": "g", "details": {"restaurantGuid": "downtown"}}), "not a GUID"),
    (body("menus", "menus_updated", {}), "restaurantGuid"),
    (body("stock", "out_of_stock", {"restaurantGuid": R}), "itemGuid"),
    (body("stock", "out_of_stock", {"restaurantGuid": R, "itemGuid": "x"}), "not a GUID"),
    (body("stock", "low_quantity", {"restaurantGuid": R, "itemGuid": ITEM,
                                    "status": "QUANTITY"}), "quantity"),
    (body("stock", "low_quantity", {"restaurantGuid": R, "itemGuid": ITEM,
                                    "status": "LOTS"}), "status"),
])
def test_malformed_bodies_name_the_problem(raw: bytes, says: str) -> None:
    """Each malformed body raises MalformedEvent whose message names the wrong part."""
    with pytest.raises(MalformedEvent, match=says):
        parse(raw)


def test_typographic_quotes_from_toast_docs_are_malformed() -> None:
    """Toast's docs page example with curly quotes is not JSON, and is refused as such."""
    with pytest.raises(MalformedEvent, match="not JSON"):
        read_envelope("{“timestamp”:“2019”}".encode())
