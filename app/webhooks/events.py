"""Toast webhook payloads → typed events, or one line saying what is wrong.

Toast's rules: docs/toast-api.md, webhooks.

Every body carries ``timestamp``, ``eventCategory``, ``eventType``, ``guid`` and
``details``. Menus: ``menus_updated`` with ``details.restaurantGuid`` and
``details.publishedDate`` (UTC). Stock: ``in_stock``/``low_quantity``/
``out_of_stock`` with ``details.itemGuid``, ``status`` and (for ``QUANTITY``)
``quantity``. Other categories (partners) are valid but not used here. Every
field beyond the common five is treated as optional where Toast allows it
(captures lack fields the spec lists: docs/toast-api.md, quirks the code handles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from app.clock import parse_iso
from app.config import is_guid

STOCK_TYPES = frozenset({"in_stock", "low_quantity", "out_of_stock"})
STOCK_STATUSES = frozenset({"IN_STOCK", "QUANTITY", "OUT_OF_STOCK"})
_TYPE_STATUS = {"in_stock": "IN_STOCK", "low_quantity": "QUANTITY",
                "out_of_stock": "OUT_OF_STOCK"}


class MalformedEvent(ValueError):
    """The body is not a Toast webhook; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """The parts every Toast webhook has, read before the signature is checked."""

    guid: str
    timestamp: str
    category: str
    event_type: str
    details: dict[str, Any]
    restaurant: str | None
    """Lower-case restaurant GUID from ``details``, else from the header; None for partners."""


@dataclass(frozen=True, slots=True)
class MenusUpdated:
    guid: str
    restaurant: str
    published_at: float | None
    """``publishedDate`` as UNIX seconds (None when absent or unreadable)."""


@dataclass(frozen=True, slots=True)
class StockChanged:
    guid: str
    restaurant: str
    item_guid: str
    status: str
    quantity: float | None


@dataclass(frozen=True, slots=True)
class OtherEvent:
    """A valid webhook the relay has no use for (partner events, future categories)."""

    guid: str
    restaurant: str | None
    category: str
    event_type: str


Event = MenusUpdated | StockChanged | OtherEvent


def _text(obj: dict[str, Any], name: str, where: str = "") -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedEvent(f"{where}{name} is missing or not a string")
    return value


def read_envelope(body: bytes, restaurant_header: str | None = None) -> Envelope:
    """The common fields, needed to check the signature (its timestamp is in the body)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedEvent("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedEvent("the body is not a JSON object")
    details = data.get("details")
    if not isinstance(details, dict):
        raise MalformedEvent("details is missing or not an object")
    restaurant = details.get("restaurantGuid") or restaurant_header or None
    if restaurant is not None:
        restaurant = str(restaurant).strip()
        if not is_guid(restaurant):
            raise MalformedEvent("the restaurant GUID (details.restaurantGuid or "
                                 "Toast-Restaurant-External-ID) is not a GUID")
        restaurant = restaurant.lower()
    return Envelope(
        guid=_text(data, "guid"), timestamp=_text(data, "timestamp"),
        category=_text(data, "eventCategory"), event_type=_text(data, "eventType"),
        details=details, restaurant=restaurant,
    )


def to_event(env: Envelope) -> Event:
    """The typed event for a (signature-checked) envelope; MalformedEvent names the problem."""
    if env.category == "menus" and env.event_type == "menus_updated":
        if env.restaurant is None:
            raise MalformedEvent("menus_updated without details.restaurantGuid")
        published = env.details.get("publishedDate")
        published_at = parse_iso(published) if isinstance(published, str) else None
        return MenusUpdated(env.guid, env.restaurant, published_at)
    if env.category == "stock" and env.event_type in STOCK_TYPES:
        return _stock(env)
    return OtherEvent(env.guid, env.restaurant, env.category, env.event_type)


def _stock(env: Envelope) -> StockChanged:
    if env.restaurant is None:
        raise MalformedEvent(f"{env.event_type} without details.restaurantGuid")
    d = env.details
    item = _text(d, "itemGuid", "details.")
    if not is_guid(item.strip()):
        raise MalformedEvent("details.itemGuid is not a GUID")
    status = d.get("status") or _TYPE_STATUS[env.event_type]
    if status not in STOCK_STATUSES:
        raise MalformedEvent(f"details.status must be one of {sorted(STOCK_STATUSES)}")
    raw_qty = d.get("quantity")
    quantity: float | None = None
    if status == "QUANTITY":
        if isinstance(raw_qty, bool) or not isinstance(raw_qty, int | float) or raw_qty < 0:
            raise MalformedEvent("a QUANTITY stock event needs details.quantity >= 0")
        quantity = float(raw_qty)
        if quantity == 0:
            # Toast: quantity reaching 0 is out of stock.
            status, quantity = "OUT_OF_STOCK", None
    return StockChanged(env.guid, env.restaurant, item.strip().lower(), status, quantity)
