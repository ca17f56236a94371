"""Snapshot records for store tests: one small restaurant, its stock, its timestamps."""

from __future__ import annotations

import zlib

import orjson

from app.menu.model import decode_stock
from app.menu.restaurant import RestaurantInfo
from app.store.snapshot_record import Snapshot

MENUS = orjson.dumps({"restaurantGuid": "g", "lastUpdated": "t1", "menus": []})
STOCK = b'[{"guid": "i1", "status": "OUT_OF_STOCK"}]'


def snap(guid: str = "g", fetched_at: float = 10.0, checked_at: float = 0.0,
         stock_at: float = 0.0) -> Snapshot:
    """A record of an empty menus document with one item sold out."""
    info = RestaurantInfo(guid, "Harbor", "America/New_York", "USD")
    return Snapshot(guid, info, zlib.compress(MENUS, 1), "t1", fetched_at, decode_stock(STOCK),
                    STOCK, checked_at, stock_at, len(MENUS))
