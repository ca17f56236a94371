"""What the relay keeps per restaurant stays out of the cyclic garbage collector's view.

A full collection visits every tracked object and runs inside some event-loop
step; at 1,000 restaurants each tracked object a restaurant keeps adds about a
millisecond to it. So views, snapshots and history are built from untracked
structs and tuples, and only the view object itself (it caches lazily) is tracked.
"""

from __future__ import annotations

import asyncio
import gc
import zlib

from app.errors import ToastUnavailable
from app.menu.filters import Filters
from app.menu.model import StockEntry
from app.refresh import decide
from app.refresh.decide import Intervals, Now
from app.refresh.tracked import Tracked
from app.serve.answers import FORMATS
from app.store.snapshot_record import Snapshot, decode_snapshot, encode_snapshot
from tests.support.menu_views import INFO, three_versions, view


def tracked_within(root: object) -> list[str]:
    """Type names of the tracked objects reachable from ``root`` (itself and classes aside)."""
    seen, todo, found = {id(root)}, [root], []
    while todo:
        for ref in gc.get_referents(todo.pop()):
            if isinstance(ref, type) or id(ref) in seen:
                continue
            seen.add(id(ref))
            todo.append(ref)
            if gc.is_tracked(ref):
                found.append(type(ref).__name__)
    return found


def test_a_view_is_the_only_tracked_object_it_holds() -> None:
    """A view with stock and every unfiltered shape rendered holds, after one collection,
    no tracked object: rows, group tree, menus, answers and stock are all untracked."""
    v = view().with_changes(stock=[StockEntry(guid="x", status="OUT_OF_STOCK")], now=1.0)
    for fmt in FORMATS:
        for ascii_only in (False, True):
            v.menu(Filters(), fmt, None, ascii_only)
    v.image_of("x")
    gc.collect()
    assert gc.is_tracked(v)
    assert tracked_within(v) == []


def test_a_kept_snapshot_holds_nothing_tracked() -> None:
    """A released snapshot, fresh or restored from its record, is untracked through and
    through (its stock is a tuple)."""
    body = b'{"restaurantGuid": "r-guid", "lastUpdated": "t1", "menus": []}'
    stock = (StockEntry(guid="i1", status="OUT_OF_STOCK"),)
    fresh = Snapshot("r-guid", INFO, zlib.compress(body), "t1", 10.0, stock, b"[]",
                     menus_size=len(body))
    restored = decode_snapshot(encode_snapshot(fresh)).released()
    gc.collect()
    for snap in (fresh, restored):
        assert not gc.is_tracked(snap)
        assert tracked_within(snap) == []


def test_history_versions_hold_nothing_tracked() -> None:
    """Kept versions, with what changed in each, are untracked tuples of untracked structs."""
    h, _, _ = three_versions()
    versions = h.versions("r")
    assert versions[0].changes is not None and versions[0].changes.priceChanges
    gc.collect()
    assert tracked_within(h._versions["r"]) == []


async def test_a_restaurants_lock_exists_only_while_used() -> None:
    """Checks of one restaurant run one at a time (the second waits, counted as busy), and
    once none holds or waits for it the restaurant keeps no lock."""
    t = Tracked.asked("r", 0.0)
    order: list[str] = []
    entered = asyncio.Event()

    async def check(name: str) -> None:
        async with t.exclusive():
            order.append(f"{name} in")
            entered.set()
            await asyncio.sleep(0)
            order.append(f"{name} out")

    first = asyncio.ensure_future(check("a"))
    await entered.wait()
    second = asyncio.ensure_future(check("b"))
    await asyncio.sleep(0)
    assert t.busy
    await asyncio.gather(first, second)
    assert order == ["a in", "a out", "b in", "b out"]
    assert not t.busy and t._lock is None


def test_a_restaurants_refresh_state_is_untracked_after_transitions() -> None:
    """The refresh state each transition returns is a value the collector never visits."""
    t = Tracked.asked("r", 0.0)
    t.state = decide.first_load_failed(t.state, ToastUnavailable("down"))
    t.state = decide.checked(t.state, Now(1.0, 2.0), 2.0, Intervals(60.0, 30.0))
    assert not gc.is_tracked(t.state) and tracked_within(t.state) == []
