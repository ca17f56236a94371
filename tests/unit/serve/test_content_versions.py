"""A view's validators come from its data, never from the process that built it: the same
snapshot gives the same ETags, board bytes and Last-Modified on any replica, at any time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import orjson

from app.board.options import BoardOptions
from app.clock import FakeClock
from app.menu.filters import Filters
from app.menu.model import StockEntry
from app.menu.restaurant import RestaurantInfo
from app.refresh.loader import SnapshotLoader, content_time
from app.serve.answers import http_date
from app.serve.views import MenuView
from app.sim.sample import SAMPLE_RESTAURANT_GUID, harbor_lights_menus
from app.store.snapshot_record import Snapshot
from app.store.snapshots import MemorySnapshots
from app.toast.client import ToastClient

INFO = RestaurantInfo(SAMPLE_RESTAURANT_GUID, "Harbor Lights Kitchen", "America/New_York", "USD")
FETCHED = datetime(2025, 2, 17, 15, 0, tzinfo=UTC).timestamp()
BOARD_QUERY = (("theme", "dark"),)


async def snapshot(*, stock_at: float = 0.0) -> Snapshot:
    return await Snapshot.of(SAMPLE_RESTAURANT_GUID, INFO, orjson.dumps(harbor_lights_menus()),
                             "2025-02-15T12:30:00.000+0000", FETCHED, (), b"[]",
                             checked_at=FETCHED, stock_at=stock_at)


def built_at(snap: Snapshot, process_now: float) -> MenuView:
    """The view a process builds from ``snap`` when its clock says ``process_now``."""
    loader = SnapshotLoader(toast=cast(ToastClient, None), store=MemorySnapshots(),
                            clock=FakeClock(start=process_now))
    return loader.build_view(snap, stale=False, now=process_now)


def board(view: MenuView, now: float, *, content_only: bool) -> tuple[str, bytes]:
    answer = view.board(BOARD_QUERY, Filters(), BoardOptions(), now, content_only=content_only)
    return answer.etag, answer.body


async def test_two_processes_build_the_same_bytes_from_one_snapshot() -> None:
    """Built an hour apart (a restart, a second replica), every answer and ETag is the same."""
    snap = await snapshot()
    now = FETCHED + 600
    one, two = built_at(snap, now), built_at(snap, now + 3600)
    assert one.json.etag == two.json.etag and one.json.body == two.json.body
    assert one.csv.etag == two.csv.etag and one.csv.body == two.csv.body
    for content_only in (True, False):
        assert board(one, now, content_only=content_only) == board(two, now,
                                                                    content_only=content_only)
    assert one.last_modified == two.last_modified == http_date(FETCHED)


async def test_the_content_time_is_the_snapshots_newest_change() -> None:
    """A view's time is when its menus were fetched or its stock last changed (the later)."""
    assert content_time(await snapshot()) == FETCHED
    assert content_time(await snapshot(stock_at=FETCHED + 90)) == FETCHED + 90
    assert built_at(await snapshot(stock_at=FETCHED + 90), FETCHED + 500).changed_at == FETCHED + 90


async def test_the_stale_flag_alone_keeps_the_views_time() -> None:
    """Stale and back (a copy restored, then confirmed) returns the very same bytes and time."""
    view = built_at(await snapshot(), FETCHED + 10)
    stale = view.with_changes(stale=True, now=FETCHED + 20)
    assert stale.json.etag != view.json.etag and stale.changed_at == view.changed_at
    back = stale.with_changes(stale=False, now=FETCHED + 30)
    assert back.json.etag == view.json.etag and back.last_modified == view.last_modified
    assert board(back, FETCHED + 30, content_only=True) == board(view, FETCHED + 30,
                                                                 content_only=True)


async def test_a_stock_change_moves_the_time_to_the_one_it_names() -> None:
    """A stock change takes the snapshot's time of the change, not the clock of the process."""
    view = built_at(await snapshot(), FETCHED + 10)
    item = view.rows[0].guid
    changed = view.with_changes(stock=[StockEntry(guid=item, status="OUT_OF_STOCK")],
                                now=FETCHED + 99, changed_at=FETCHED + 50)
    assert changed.changed_at == FETCHED + 50
    assert changed.last_modified == http_date(FETCHED + 50)
    unchanged = view.with_changes(stock=[], now=FETCHED + 99)
    assert unchanged.changed_at == view.changed_at
