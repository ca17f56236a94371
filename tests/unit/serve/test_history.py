"""The change history: which new views are versions, bounded, kept on disk, shown locally."""

from __future__ import annotations

import stat
from pathlib import Path

import msgspec

from app.files import WRITES
from app.serve.history import History, classify, versions_json
from tests.support.menu_views import republished, sold_out, three_versions, view


def test_classify() -> None:
    """First view, menu publish, stock change; a stale flip alone is not a version."""
    v = view()
    assert classify(None, v) == "first"
    assert classify(v, sold_out(v)) == "stock"
    assert classify(v, republished(v, "2026-01-01T00:00:00.000+0000")) == "menu"
    assert classify(v, v.with_changes(stale=True, now=5.0)) is None


def test_a_time_specific_price_is_a_time_version() -> None:
    """Rows that changed with the same menu and stock: a time-specific price took effect."""
    v = view()
    flat = v.flat
    rows = (msgspec.structs.replace(flat.rows[0], price=1.0, priceText="$1.00"), *flat.rows[1:])
    repriced = v.with_changes(flat=msgspec.structs.replace(flat, rows=rows), now=9.0)
    assert classify(v, repriced) == "time"


def test_record_keeps_what_changed_newest_first() -> None:
    """Each version carries time, lastUpdated, ETag and the diff from the one before."""
    h, v1, v3 = three_versions()
    assert h.record("r", v3, v3.with_changes(stale=True, now=4.0), 4.0) is None
    newest, middle, first = h.versions("r")
    assert (first.reason, first.changes, first.at) == ("first", None, 1.0)
    assert middle.reason == "stock" and middle.changes is not None
    assert [i.guid for i in middle.changes.soldOut] == [v1.rows[0].guid]
    assert newest.reason == "menu" and newest.lastUpdated == "2026-01-01T00:00:00.000+0000"
    assert newest.etag == v3.json.etag and newest.rows == len(v3.rows)
    assert newest.changes is not None and newest.changes.priceChanges[0].after == "$99.00"


def test_history_is_bounded() -> None:
    """Only the newest `size` versions are kept."""
    h = History(size=3)
    v = view()
    h.record("r", None, v, 0.0)
    for i in range(1, 6):
        new = republished(v, f"2026-01-0{i}T00:00:00.000+0000", now=float(i))
        h.record("r", v, new, float(i))
        v = new
    assert [x.at for x in h.versions("r")] == [5.0, 4.0, 3.0]


def test_history_survives_a_restart_without_a_duplicate(tmp_path: Path) -> None:
    """With a directory the versions are reloaded; the restored copy is not a new version."""
    v = view()
    History(size=5, directory=tmp_path).record("r", None, v, 1.0)
    again = History(size=5, directory=tmp_path)
    assert again.record("r", None, view(stale=True), 2.0) is None
    assert [x.at for x in again.versions("r")] == [1.0]
    assert (tmp_path / "r.json").exists()


def test_history_files_are_private(tmp_path: Path) -> None:
    """A saved history file is mode 0600, like everything else under RELAY_DATA_DIR."""
    History(size=5, directory=tmp_path).record("r", None, view(), 1.0)
    WRITES.wait()
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o600


def test_unreadable_history_starts_afresh(tmp_path: Path) -> None:
    """A corrupt history file is ignored (and replaced on the next version), never fatal."""
    (tmp_path / "r.json").write_text("{not json")
    h = History(size=5, directory=tmp_path)
    assert h.versions("r") == []
    h.record("r", None, view(), 1.0)
    assert len(History(size=5, directory=tmp_path).versions("r")) == 1


def test_versions_json_shows_local_time() -> None:
    """Each version shows `at` in UTC and `atLocal` in the restaurant's time zone."""
    h = History(size=5)
    h.record("r", None, view(), 1_700_000_000.0)
    (shown,) = versions_json(h.versions("r"), "America/New_York")
    assert shown["at"] == "2023-11-14T22:13:20Z"
    assert shown["atLocal"] == "2023-11-14T17:13:20-05:00"
    assert shown["reason"] == "first" and shown["changes"] is None
