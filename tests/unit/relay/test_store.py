"""Stores: versioned entries in memory, bounded, and atomically on disk."""

from __future__ import annotations

import os
from pathlib import Path

from app.cache.store import DirectoryStore, MemoryStore


async def test_versions_grow_per_key() -> None:
    """Each write of a key gets the next version; delete forgets it."""
    s = MemoryStore()
    assert (await s.set("a", b"1", {})).version == 1
    assert (await s.set("a", b"2", {})).version == 2
    assert (await s.set("b", b"x", {})).version == 1
    await s.delete("a")
    assert await s.get("a") is None


async def test_memory_store_is_bounded() -> None:
    """The in-memory store keeps at most max_entries, dropping the least recently used."""
    s = MemoryStore(max_entries=2)
    await s.set("a", b"1", {})
    await s.set("b", b"2", {})
    await s.get("a")
    await s.set("c", b"3", {})
    assert await s.get("b") is None and await s.get("a") is not None


async def test_directory_store_survives_restart(tmp_path: Path) -> None:
    """What one DirectoryStore wrote, a new one on the same folder reads back, mode 0600."""
    await DirectoryStore(tmp_path).set("menus:abc", b'{"x":1}', {"lastUpdated": "t"})
    entry = await DirectoryStore(tmp_path).get("menus:abc")
    assert entry is not None and entry.body == b'{"x":1}' and entry.meta["lastUpdated"] == "t"
    for f in tmp_path.iterdir():
        assert f.stat().st_mode & 0o777 == 0o600
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


async def test_directory_store_ignores_torn_write(tmp_path: Path) -> None:
    """A body that does not match its meta (a torn write) is treated as absent."""
    await DirectoryStore(tmp_path).set("k", b"full body", {})
    (tmp_path / "k.body").write_bytes(b"half")
    assert await DirectoryStore(tmp_path).get("k") is None
