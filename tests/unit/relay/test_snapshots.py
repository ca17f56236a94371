"""Snapshot stores: one record per restaurant, written only when newer, atomic on disk."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import orjson

from app.cache.snapshot import Snapshot, decode_snapshot, encode_snapshot
from app.cache.snapshots import DirectorySnapshots, MemorySnapshots
from app.cache.views import RestaurantInfo
from app.menu.model import decode_menus, decode_stock

MENUS = orjson.dumps({"restaurantGuid": "g", "lastUpdated": "t1", "menus": []})
STOCK = b'[{"guid": "i1", "status": "OUT_OF_STOCK"}]'


def snap(guid: str = "g", fetched_at: float = 10.0, **kw: float) -> Snapshot:
    info = RestaurantInfo(guid, "Harbor", "America/New_York", "USD")
    return Snapshot(guid, info, decode_menus(MENUS), MENUS, fetched_at, decode_stock(STOCK),
                    STOCK, **kw)


def test_record_round_trips() -> None:
    """Everything a snapshot holds comes back from its one record."""
    s = snap(checked_at=20.0, stock_at=15.0)
    back = decode_snapshot(encode_snapshot(s))
    assert back == s


async def test_only_newer_copies_are_written() -> None:
    """A copy fetched earlier than the stored one never replaces it; a confirmation does."""
    store = MemorySnapshots()
    assert await store.put(snap(fetched_at=20.0))
    assert not await store.put(snap(fetched_at=10.0, checked_at=99.0))
    assert not await store.put(snap(fetched_at=20.0))
    assert await store.put(snap(fetched_at=20.0, checked_at=30.0))
    got = await store.get("g")
    assert got is not None and got.checked_at == 30.0


async def test_memory_store_is_bounded() -> None:
    """The in-memory store keeps at most max_entries, dropping the least recently used."""
    store = MemorySnapshots(max_entries=2)
    for guid in ("a", "b"):
        await store.put(snap(guid))
    await store.get("a")
    await store.put(snap("c"))
    assert await store.get("b") is None and await store.get("a") is not None


async def test_directory_store_survives_restart(tmp_path: Path) -> None:
    """What one store wrote, a new one on the same folder reads back; one private file each."""
    await DirectorySnapshots(tmp_path).put(snap(checked_at=40.0))
    got = await DirectorySnapshots(tmp_path).get("g")
    assert got is not None and got.checked_at == 40.0 and got.stock_body == STOCK
    assert [f.name for f in tmp_path.iterdir()] == ["g.snapshot"]
    assert (tmp_path / "g.snapshot").stat().st_mode & 0o777 == 0o600
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


async def test_directory_store_ignores_unreadable_record(tmp_path: Path) -> None:
    """A damaged record is treated as absent (and logged), never served."""
    (tmp_path / "g.snapshot").write_bytes(b"\x93garbage")
    assert await DirectorySnapshots(tmp_path).get("g") is None


async def test_stock_change_is_newer_than_same_menus() -> None:
    """A stock change on the same menus is a newer copy."""
    store = MemorySnapshots()
    first = snap()
    await store.put(first)
    assert await store.put(replace(first, stock_at=11.0))
