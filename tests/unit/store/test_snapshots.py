"""Snapshot stores: one record per restaurant, written only when newer, atomic on disk."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import msgspec
import orjson
import pytest

from app.errors import ToastBadResponse
from app.files import WRITES
from app.menu.model import decode_menus
from app.menu.restaurant import RestaurantInfo
from app.store.snapshot_record import Snapshot, decode_snapshot, encode_snapshot
from app.store.snapshots import DirectorySnapshots, MemorySnapshots
from tests.support.snapshots import MENUS, STOCK, snap


def test_record_round_trips() -> None:
    """Everything a snapshot holds comes back from its one record."""
    s = snap(checked_at=20.0, stock_at=15.0)
    back = decode_snapshot(encode_snapshot(s))
    assert back.released() == s


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


@pytest.mark.parametrize("damage", ["garbage", "truncated", "directory"])
async def test_damaged_record_is_logged_once_with_its_path(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str) -> None:
    """A damaged or unreadable saved menu is treated as absent, never served, and logged
    once with its path and what the relay does; a good write clears it."""
    path = tmp_path / "g.snapshot"
    if damage == "garbage":
        path.write_bytes(b"\x93garbage")
    elif damage == "truncated":
        await DirectorySnapshots(tmp_path).put(snap())
        WRITES.wait(path)  # written behind, off the event loop
        path.write_bytes(path.read_bytes()[:40])
    else:
        path.mkdir()
    store = DirectorySnapshots(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert await store.get("g") is None
        assert await store.get("g") is None
    lines = [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]
    assert len(lines) == 1, caplog.text
    assert "loaded from Toast instead" in lines[0]


async def test_a_copy_is_written_behind_and_a_failed_write_is_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``put`` returns before the (fsync'd) write; a write that fails (here: a directory
    where the file goes) is logged with what to check, and the copy is still served."""
    store = DirectorySnapshots(tmp_path)
    (tmp_path / "g.snapshot").mkdir()
    with caplog.at_level(logging.ERROR):
        assert await store.put(snap())
        WRITES.wait()
    assert "could not save the last good copy; check RELAY_DATA_DIR" in caplog.text
    got = await store.get("g")
    assert got is not None and got.released() == snap()


def test_data_directories_are_created_private(tmp_path: Path) -> None:
    """Directories the relay creates for its data (and their missing parents) are 0700."""
    DirectorySnapshots(tmp_path / "data" / "menus")
    for d in (tmp_path / "data", tmp_path / "data" / "menus"):
        assert d.stat().st_mode & 0o777 == 0o700, d


async def test_stock_change_is_newer_than_same_menus() -> None:
    """A stock change on the same menus is a newer copy."""
    store = MemorySnapshots()
    first = snap()
    await store.put(first)
    assert await store.put(msgspec.structs.replace(first, stock_at=11.0))


async def test_menus_are_kept_compressed_and_documents_released() -> None:
    """Menus bytes are held compressed; stores and the service keep no plain body and no
    decoded document (it is decoded only when a view is built)."""
    body = orjson.dumps({"restaurantGuid": "g", "lastUpdated": "t2",
                         "menus": [{"name": "Lunch " * 200}]})
    info = RestaurantInfo("g", "Harbor", "America/New_York", "USD")
    fresh = await Snapshot.of("g", info, body, "t2", 10.0, [], b"[]")
    assert fresh.body is body and fresh.last_updated == "t2"
    assert len(fresh.menus_z) < len(body) / 5 and fresh.menus_body == body
    assert fresh.released().body is None
    assert msgspec.structs.replace(fresh.released(), body=body) == fresh
    assert fresh.released().document() == fresh.document() == decode_menus(body)
    store = MemorySnapshots()
    await store.put(fresh)
    kept = await store.get("g")
    assert kept is not None and kept.body is None


def test_a_snapshot_decoded_in_a_wrong_shape_fails_only_when_built() -> None:
    """A stored record whose menus are JSON of the wrong shape restores (its head reads);
    decoding its document names the problem."""
    bad = orjson.dumps({"lastUpdated": "t3", "menus": "not a list"})
    rec = msgspec.msgpack.encode({"guid": "g", "name": "Harbor", "time_zone": "UTC",
                                  "currency": "USD", "menus": bad, "fetched_at": 10.0})
    back = decode_snapshot(rec)
    assert back.last_updated == "t3"
    with pytest.raises(ToastBadResponse, match="unexpected shape"):
        back.document()


def test_records_written_uncompressed_still_read() -> None:
    """A record from before compression (plain menus bytes) restores the same snapshot."""
    old = msgspec.msgpack.encode({"guid": "g", "name": "Harbor", "time_zone": "UTC",
                                  "currency": "USD", "menus": MENUS, "fetched_at": 10.0})
    back = decode_snapshot(old)
    assert back.menus_body == MENUS and back.last_updated == "t1" and back.body == MENUS


async def test_an_older_relays_files_are_read_and_kept_as_one_record(tmp_path: Path) -> None:
    """The four files an older relay saved per restaurant are served after an upgrade."""
    def old_entry(key: str, body: bytes, **meta: object) -> None:
        (tmp_path / f"{key}.body").write_bytes(body)
        (tmp_path / f"{key}.meta.json").write_bytes(
            orjson.dumps({**meta, "size": len(body)}))

    old_entry("menus_g", MENUS, fetchedAt=10.0, lastUpdated="t1")
    old_entry("restaurant_g", orjson.dumps(
        {"name": "Harbor", "timeZone": "America/New_York", "currency": "USD"}))
    old_entry("stock_g", STOCK)
    old_entry("checked_g", b"30.0")
    got = await DirectorySnapshots(tmp_path).get("g")
    assert got is not None and got.released() == snap(fetched_at=10.0, checked_at=30.0)
    WRITES.wait()  # records are written behind, off the event loop
    assert (tmp_path / "g.snapshot").exists()
    again = await DirectorySnapshots(tmp_path).get("g")
    assert again == got


def test_reading_waits_only_for_writes_of_that_file(tmp_path: Path) -> None:
    """``WRITES.wait(path)`` returns at once while another file's write is still queued,
    and waits for a queued write of that path itself."""
    import threading

    from app.files import WriteBehind

    writes = WriteBehind()
    release = threading.Event()
    blocked = writes._pool.submit(release.wait)  # the writer busy (a slow fsync)
    ahead = writes.submit(tmp_path / "a", b"a")
    writes.wait(tmp_path / "b")  # nobody writes b: no waiting behind a
    assert not ahead.done()
    release.set()
    writes.wait(tmp_path / "a")
    assert blocked.done() and ahead.done() and (tmp_path / "a").read_bytes() == b"a"
