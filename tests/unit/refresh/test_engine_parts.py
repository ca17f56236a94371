"""The menu service's parts on their own: background tasks, showing a view, saved copies,
the shared timing and the loop's handling of events (no Toast, no sleeps)."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest
from msgspec.structs import replace

from app.clock import FakeClock
from app.menu.restaurant import RestaurantInfo
from app.refresh.background import Background
from app.refresh.copies import Copies
from app.refresh.decide import Event, Intervals, Plan
from app.refresh.display import Display
from app.refresh.loader import SnapshotLoader
from app.refresh.loop import RefreshLoop
from app.refresh.pacing import Pacer, Starter
from app.refresh.service import MenuService
from app.refresh.timing import Timing
from app.refresh.tracked import Tracked
from app.serve.history import History
from app.serve.push import ChangeFeed
from app.serve.views import MenuView
from app.store.coordination import Listener, LocalNotifier, Notifier
from app.store.snapshot_record import Snapshot
from app.store.snapshots import MemorySnapshots
from app.toast.client import ToastClient
from tests.support.screens import flat_menu

GUID = "r-guid"
INFO = RestaurantInfo(GUID, "Harbor", "America/New_York", "USD")
START = 1_000_000.0


class SharedSnapshots(MemorySnapshots):
    shared = True


class Announcements(Notifier):
    def __init__(self) -> None:
        self.heard: list[tuple[str, float]] = []

    async def announce(self, guid: str, version: float) -> None:
        self.heard.append((guid, version))

    async def versions(self, guids: list[str]) -> dict[str, float]:
        return {}

    async def run(self, listener: Listener) -> None:
        return None


class Published(ChangeFeed):
    def __init__(self) -> None:
        super().__init__()
        self.etags: list[str] = []

    def publish(self, guid: str, etag: str) -> None:
        self.etags.append(etag)
        super().publish(guid, etag)


def timing(stale_max: float = 3600.0) -> Timing:
    return Timing(refresh_interval=60.0, stock_interval=30.0, stale_max=stale_max,
                  idle_after=3600.0, not_found_ttl=60.0)


def loader(clock: FakeClock, store: MemorySnapshots | None = None) -> SnapshotLoader:
    return SnapshotLoader(toast=cast(ToastClient, None), store=store or MemorySnapshots(),
                          clock=clock)


def tracked(clock: FakeClock) -> Tracked:
    return Tracked.asked(GUID, clock.monotonic())


def view(*, stale: bool = False) -> MenuView:
    flat = flat_menu([("Lunch", "Mains", "Soup"), ("Lunch", "Mains", "Stew")])
    return MenuView(info=INFO, flat=flat, stock=[], fetched_at=START, stale=stale,
                    changed_at=START)


async def snapshot(*, fetched_at: float = START, checked_at: float = START) -> Snapshot:
    return await Snapshot.of(GUID, INFO, b"{}", "2026-01-01T00:00:00.000+0000", fetched_at,
                             (), b"[]", checked_at=checked_at)


async def test_background_work_is_cancelled_together() -> None:
    """Work still running when the service stops is cancelled; finished work is forgotten."""
    background = Background()
    never = asyncio.Event()
    waiting = background.spawn(never.wait())
    await background.spawn(asyncio.sleep(0))
    await asyncio.sleep(0)  # its done-callback runs one step after it finished
    assert len(background) == 1
    await background.cancel_all()
    assert waiting.cancelled() and len(background) == 0


async def test_a_view_is_published_only_when_its_bytes_changed() -> None:
    """Showing the same bytes again tells push clients nothing; a stale flag is a change;
    the first view is noted in the change history."""
    clock = FakeClock(start=START)
    feed = Published()
    history = History(size=10)
    display = Display(builder=loader(clock), clock=clock, pacer=Pacer(), history=history,
                      changes=feed)
    t = tracked(clock)
    first = view()
    display.show(t, first)
    display.show(t, view())
    stale = await display.changed(t, first, stale=True)
    display.show(t, stale)
    assert t.view is stale and feed.etags == [first.json.etag, stale.json.etag]
    assert [v.reason for v in history.versions(GUID)] == ["first"]


async def test_only_a_shared_copy_confirmed_within_the_interval_counts_as_fresh() -> None:
    """A copy in this process's own store is always checked at start; one another replica
    confirmed less than an interval ago is not, until the interval has passed."""
    clock = FakeClock(start=START)
    snap = await snapshot()
    own = Copies(loader=loader(clock), notifier=LocalNotifier(), clock=clock, timing=timing())
    shared = Copies(loader=loader(clock, SharedSnapshots()), notifier=LocalNotifier(),
                    clock=clock, timing=timing())
    assert not own.fresh(snap) and shared.fresh(snap)
    await clock.advance(60)
    assert not shared.fresh(snap)


async def test_a_saved_copy_older_than_stale_max_is_not_used() -> None:
    """A stored copy Toast confirmed longer ago than RELAY_STALE_MAX is not served again."""
    clock = FakeClock(start=START)
    copies = Copies(loader=loader(clock), notifier=LocalNotifier(), clock=clock,
                    timing=timing(stale_max=100.0))
    await copies.keep(await snapshot())
    assert await copies.usable(GUID) is not None
    await clock.advance(101)
    assert await copies.usable(GUID) is None and await copies.latest(GUID) is not None


async def test_only_a_newer_copy_is_announced_to_other_replicas() -> None:
    """Saving a copy the store already holds tells nobody; a newer one is announced once."""
    clock = FakeClock(start=START)
    notifier = Announcements()
    copies = Copies(loader=loader(clock), notifier=notifier, clock=clock, timing=timing())
    await copies.keep(await snapshot())
    await copies.keep(await snapshot())
    await copies.keep(await snapshot(fetched_at=START + 5))
    assert notifier.heard == [(GUID, START), (GUID, START + 5)]


def test_the_services_interval_provider_is_the_one_its_parts_read() -> None:
    """Replacing the service's intervals (a budget plan) changes what every part reads."""
    clock = FakeClock(start=START)
    service = MenuService(loader=loader(clock), clock=clock, refresh_interval=60,
                          stock_interval=30, stale_max=3600, idle_after=3600,
                          not_found_ttl=60)
    assert service.intervals(GUID) == Intervals(60, 30) == service.timing.intervals(GUID)
    service.intervals = lambda guid: Intervals(600, 300)
    assert service.timing.intervals(GUID) == Intervals(600, 300)


class LoopRig:
    def __init__(self) -> None:
        self.clock = FakeClock(start=START)
        self.tracked: dict[str, Tracked] = {}
        self.carried: list[tuple[str, Plan]] = []
        self.retried: list[str] = []
        self.loop = RefreshLoop(tracked=self.tracked, clock=self.clock, timing=timing(),
                                carry_out=self.carry_out, retry_first_load=self.retry,
                                notifier=LocalNotifier(), follow_others=False,
                                starts=Starter(), background=Background(),
                                logger=logging.getLogger("test"))

    async def carry_out(self, t: Tracked, plan: Plan) -> None:
        self.carried.append((t.guid, plan))

    def retry(self, t: Tracked) -> None:
        self.retried.append(t.guid)


@pytest.mark.parametrize(("has_view", "pinned", "event", "carried", "retried"), [
    (True, False, Event.REMOTE, [(GUID, Plan(reload=True))], []),
    (True, False, Event.WEBHOOK, [(GUID, Plan(fetch=True))], []),
    (False, True, Event.ADMIN, [], []),
])
async def test_the_loop_carries_out_what_an_event_calls_for(
        has_view: bool, pinned: bool, event: Event, carried: list[tuple[str, Plan]],
        retried: list[str]) -> None:
    """An event is handed on as the plan the pure rules give, at once."""
    rig = LoopRig()
    t = rig.tracked[GUID] = tracked(rig.clock)
    t.state = replace(t.state, has_view=has_view, pinned=pinned)
    await rig.loop.handle(GUID, event)
    assert (rig.carried, rig.retried) == (carried, retried)


async def test_the_loops_tick_retries_a_configured_restaurants_first_load() -> None:
    """A configured restaurant with no copy, once due, has its first load tried again."""
    rig = LoopRig()
    t = rig.tracked[GUID] = tracked(rig.clock)
    t.state = replace(t.state, pinned=True)
    await rig.clock.advance(1)
    rig.loop.tick()
    assert rig.retried == [GUID] and rig.carried == []


async def test_the_loop_ignores_events_for_restaurants_it_does_not_track() -> None:
    """An event for a restaurant nobody asked for does nothing (the first request loads)."""
    rig = LoopRig()
    await rig.loop.handle("other", Event.WEBHOOK)
    assert rig.carried == [] and rig.retried == []
