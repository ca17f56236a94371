"""Which Toast calls a first load and a publish make, and that none waits for another."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import orjson
import pytest

from app.clock import FakeClock
from app.errors import ToastForbidden, ToastNotFound, ToastUnavailable
from app.menu.restaurant import RestaurantInfo
from app.refresh.budget import FIRST_LOAD_CALLS, INFO_MAX_AGE, PUBLISH_CALLS
from app.refresh.loader import SnapshotLoader
from app.store.snapshots import MemorySnapshots
from app.toast.client import ToastClient
from app.toast.limiter import Priority
from app.webhooks.events import MenusUpdated
from tests.support.service_rig import GUID, Rig, publish, run

MENUS = orjson.dumps({"restaurantGuid": GUID, "lastUpdated": "2026-11-24T16:00:00.000+0000",
                      "restaurantTimeZone": "America/New_York", "menus": []})
PLACE = {"general": {"name": "Harbor", "timeZone": "America/Chicago", "currencyCode": "CAD"}}


class GatedToast:
    """A Toast client whose calls wait at one gate (all but those named in ``ungated``), so
    a test sees which are in flight together; ``fail`` maps a call's name to its error."""

    def __init__(self, *ungated: str, **fail: Exception) -> None:
        self.ungated = set(ungated)
        self.gate = asyncio.Event()
        self.started: list[tuple[str, Priority]] = []
        self.finished: list[str] = []
        self.cancelled: list[str] = []
        self.fail = fail

    async def _call(self, name: str, priority: Priority, answer: Any) -> Any:
        self.started.append((name, priority))
        try:
            if name not in self.ungated:
                await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled.append(name)
            raise
        self.finished.append(name)
        if name in self.fail:
            raise self.fail[name]
        return answer

    async def menus(self, guid: str, priority: Priority = Priority.BACKGROUND) -> bytes:
        return cast(bytes, await self._call("menus", priority, MENUS))

    async def restaurant(self, guid: str,
                         priority: Priority = Priority.BACKGROUND) -> dict[str, Any]:
        return cast(dict[str, Any], await self._call("restaurant", priority, PLACE))

    async def stock(self, guid: str, priority: Priority = Priority.BACKGROUND) -> bytes:
        return cast(bytes, await self._call("stock", priority, b"[]"))

    def names(self) -> list[str]:
        return sorted(name for name, _ in self.started)


def loader_of(toast: GatedToast, clock: FakeClock) -> SnapshotLoader:
    return SnapshotLoader(toast=cast(ToastClient, toast), store=MemorySnapshots(), clock=clock)


async def in_flight(toast: GatedToast, task: asyncio.Future[Any]) -> list[str]:
    """The calls ``task`` has started before any of them is answered, then let them go."""
    for _ in range(5):
        await asyncio.sleep(0)
    started = toast.names()
    assert not toast.finished
    toast.gate.set()
    await task
    return started


async def test_first_load_asks_menus_details_and_stock_at_once() -> None:
    """A first load sends its three calls together, at the caller's priority."""
    clock, toast = FakeClock(), GatedToast()
    loader = loader_of(toast, clock)
    task = asyncio.ensure_future(loader.fetch(GUID, Priority.FIRST_LOAD))
    assert await in_flight(toast, task) == ["menus", "restaurant", "stock"]
    assert len(toast.started) == FIRST_LOAD_CALLS
    assert {p for _, p in toast.started} == {Priority.FIRST_LOAD}
    assert task.result().info == RestaurantInfo(GUID, "Harbor", "America/Chicago", "CAD")


async def test_publish_within_info_max_age_is_one_menus_call() -> None:
    """After a first load, publishes within INFO_MAX_AGE ask Toast for the menus only."""
    clock, toast = FakeClock(), GatedToast()
    toast.gate.set()
    loader = loader_of(toast, clock)
    snap = await loader.fetch(GUID, Priority.FIRST_LOAD)
    toast.started.clear()
    for _ in range(5):
        await clock.advance(INFO_MAX_AGE / 10)
        snap = await loader.fetch_menus(snap, Priority.URGENT)
    assert toast.names() == ["menus"] * 5
    assert len(toast.started) / 5 == PUBLISH_CALLS
    assert snap.info.name == "Harbor"


async def test_details_due_again_are_asked_beside_the_menus() -> None:
    """Once INFO_MAX_AGE passed, a publish asks for the details alongside the menus."""
    clock, toast = FakeClock(), GatedToast()
    toast.gate.set()
    loader = loader_of(toast, clock)
    snap = await loader.fetch(GUID)
    await clock.advance(INFO_MAX_AGE + 1)
    assert loader.info_due(GUID)
    toast.started.clear()
    toast.finished.clear()
    toast.gate.clear()
    task = asyncio.ensure_future(loader.fetch_menus(snap, Priority.URGENT))
    assert await in_flight(toast, task) == ["menus", "restaurant"]
    assert not loader.info_due(GUID)


async def test_details_not_held_after_restart_are_asked_with_first_publish() -> None:
    """A copy restored from the store (a restart) gets its details with the next publish."""
    clock, toast = FakeClock(), GatedToast()
    toast.gate.set()
    snap = await loader_of(toast, clock).fetch(GUID)
    toast.started.clear()
    await loader_of(toast, clock).fetch_menus(snap)
    assert toast.names() == ["menus", "restaurant"]


async def test_details_failure_keeps_known_info_and_asks_again_next_publish() -> None:
    """A 503 on the details keeps the name held and is retried with the next menus fetch."""
    clock, toast = FakeClock(), GatedToast()
    toast.gate.set()
    loader = loader_of(toast, clock)
    snap = await loader.fetch(GUID)
    await clock.advance(INFO_MAX_AGE + 1)
    toast.fail["restaurant"] = ToastUnavailable("Toast restaurant answered 503")
    snap = await loader.fetch_menus(snap)
    assert snap.info.name == "Harbor" and loader.info_due(GUID)
    del toast.fail["restaurant"]
    toast.started.clear()
    await loader.fetch_menus(snap)
    assert toast.names() == ["menus", "restaurant"]


async def test_details_refused_are_not_asked_again_until_max_age() -> None:
    """A 403 (no restaurants:read) names the menu by GUID and is not re-asked each publish."""
    clock = FakeClock()
    toast = GatedToast(restaurant=ToastForbidden("Toast restaurant answered 403"))
    toast.gate.set()
    loader = loader_of(toast, clock)
    snap = await loader.fetch(GUID)
    assert snap.info == RestaurantInfo(GUID, GUID, "America/New_York", "USD")
    toast.started.clear()
    await loader.fetch_menus(snap)
    assert toast.names() == ["menus"]
    await clock.advance(INFO_MAX_AGE + 1)
    await loader.fetch_menus(snap)
    assert toast.names() == ["menus", "menus", "restaurant"]


async def test_menus_failure_cancels_the_calls_beside_it() -> None:
    """When /menus fails, the details and stock calls started beside it are cancelled."""
    toast = GatedToast("menus", menus=ToastNotFound("Toast menus answered 404"))
    task = asyncio.ensure_future(loader_of(toast, FakeClock()).fetch(GUID))
    with pytest.raises(ToastNotFound):
        await task
    toast.gate.set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert toast.finished == ["menus"]


async def test_publishes_cost_one_menus_call_each_and_details_once(rig: Rig) -> None:
    """Five webhook publishes within an hour: five /menus calls, no further details call."""
    await rig.relay.primary.menus.view(GUID)
    details, menus = await rig.calls("restaurants"), await rig.calls("menus")
    assert details == 1
    for i in range(5):
        published = await publish(rig)
        rig.relay.primary.menus.menus_updated(MenusUpdated(f"e{i}", GUID, published))
        await run(rig, 3)
    assert await rig.calls("menus") == menus + 5
    assert await rig.calls("restaurants") == details
    await rig.clock.advance(INFO_MAX_AGE)
    published = await publish(rig)
    rig.relay.primary.menus.menus_updated(MenusUpdated("late", GUID, published))
    await run(rig, 3)
    assert (await rig.calls("menus"), await rig.calls("restaurants")) == (menus + 6, 2)
