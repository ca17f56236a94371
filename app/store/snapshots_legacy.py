"""Reads the saved copy an older relay left in ``RELAY_DATA_DIR/menus`` (four files a
restaurant, each with a ``.meta.json``), so an upgrade does not lose it: a relay
restarted during a Toast outage keeps serving. Read once, then stored as one record."""

from __future__ import annotations

import contextlib
import zlib
from pathlib import Path

import msgspec

from app.errors import ToastBadResponse
from app.menu.model import decode_menus_head, decode_stock
from app.menu.restaurant import RestaurantInfo
from app.store.snapshot_record import Snapshot

_META = msgspec.json.Decoder(dict[str, str | float | None])
_INFO = msgspec.json.Decoder(dict[str, str])


def _body(directory: Path, key: str) -> bytes | None:
    """One old entry's bytes, if its meta file agrees with them (not a torn write)."""
    try:
        body = (directory / f"{key}.body").read_bytes()
        meta = _META.decode((directory / f"{key}.meta.json").read_bytes())
    except (OSError, msgspec.DecodeError):
        return None
    return body if meta.get("size") == len(body) else None


def read_legacy(directory: Path, safe_guid: str, guid: str) -> Snapshot | None:
    menus = _body(directory, f"menus_{safe_guid}")
    if menus is None:
        return None
    try:
        head = decode_menus_head(menus)
        meta = _META.decode((directory / f"menus_{safe_guid}.meta.json").read_bytes())
    except (ToastBadResponse, OSError, msgspec.DecodeError):
        return None
    fetched = meta.get("fetchedAt")
    fetched_at = float(fetched) if isinstance(fetched, int | float) else 0.0
    info = RestaurantInfo(guid, guid, head.restaurantTimeZone or "UTC", "USD")
    raw_info = _body(directory, f"restaurant_{safe_guid}")
    if raw_info is not None:
        with contextlib.suppress(msgspec.DecodeError, KeyError):
            d = _INFO.decode(raw_info)
            info = RestaurantInfo(guid, d["name"], d["timeZone"], d["currency"])
    stock_body = _body(directory, f"stock_{safe_guid}") or b"[]"
    try:
        stock = decode_stock(stock_body)
    except ToastBadResponse:
        stock, stock_body = (), b"[]"
    checked_at = fetched_at
    checked = _body(directory, f"checked_{safe_guid}")
    if checked is not None:
        with contextlib.suppress(ValueError):
            checked_at = max(fetched_at, float(checked))
    return Snapshot(guid, info, zlib.compress(menus, 1), head.lastUpdated or "", fetched_at,
                    stock, stock_body, checked_at, 0.0, len(menus), menus)
