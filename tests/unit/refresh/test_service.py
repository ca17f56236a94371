"""The menu service against the in-process simulator on a shared fake clock (no sleeps)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app, lifespan_of
from app.clock import FakeClock
from app.config import load_settings
from app.errors import NotFound, NotReady
from app.relay import Relay
from app.sim.app import create_sim_app
from app.sim.sample import FORBIDDEN_RESTAURANT_GUID
from app.sim.state import SimState
from tests.support.service_rig import GUID, KEY, START, Rig, settings_env


async def test_failure_marks_stale_and_recovery_clears_it(rig: Rig) -> None:
    """A failed check keeps the copy but marks it stale; the next good check clears the mark."""
    view, result = await rig.relay.primary.menus.view(GUID)
    assert result == "MISS" and not view.stale
    await rig.fault(endpoint="metadata", mode="503", count=None)
    await rig.check_now()
    stale, result = await rig.relay.primary.menus.view(GUID)
    assert result == "STALE" and stale.stale and stale.rows == view.rows
    assert stale.json.etag != view.json.etag
    await rig.fault(endpoint="*", mode="off")
    for _ in range(6):  # backoff may push the next check a few intervals out
        await rig.check_now()
    fresh, result = await rig.relay.primary.menus.view(GUID)
    assert result == "HIT" and not fresh.stale


async def test_empty_menu_after_full_one_keeps_last_good(rig: Rig) -> None:
    """A published menu with zero items is refused; the last good rows stay, marked stale."""
    view, _ = await rig.relay.primary.menus.view(GUID)
    await rig.fault(endpoint="menus", mode="empty_menu", count=None)
    (await rig.sim.post(f"/_sim/publish/{GUID}")).raise_for_status()
    await rig.check_now()
    after, result = await rig.relay.primary.menus.view(GUID)
    assert result == "STALE" and len(after.rows) == len(view.rows) > 0
    facts = rig.relay.primary.menus.facts()[0]
    assert facts.last_error is not None and "no items" in facts.last_error


async def test_unchanged_metadata_never_refetches_menus(rig: Rig) -> None:
    """Ten refresh intervals without a publish cost ten metadata calls and no /menus call."""
    await rig.relay.primary.menus.view(GUID)
    for _ in range(10):
        await rig.check_now()
    assert await rig.calls("menus") == 1
    assert await rig.calls("metadata") >= 10


async def test_refused_restaurant_is_remembered(rig: Rig) -> None:
    """A restaurant Toast refuses is a 404, and asking again soon does not reach Toast."""
    with pytest.raises(NotFound):
        await rig.relay.primary.menus.view(FORBIDDEN_RESTAURANT_GUID)
    calls = (await rig.sim.get("/_sim/calls")).json()["calls"].get("menus", 0)
    with pytest.raises(NotFound):
        await rig.relay.primary.menus.view(FORBIDDEN_RESTAURANT_GUID)
    assert (await rig.sim.get("/_sim/calls")).json()["calls"].get("menus", 0) == calls


async def test_idle_restaurant_stops_being_polled(rig: Rig) -> None:
    """A restaurant nobody asked for in 24 hours is no longer checked."""
    await rig.relay.primary.menus.view(GUID)
    await rig.clock.advance(86_401)
    rig.relay.primary.menus.tick()
    assert rig.relay.primary.menus.known() == []


async def test_copy_older_than_stale_max_is_not_served(rig: Rig) -> None:
    """Past RELAY_STALE_MAX without a good check, the relay answers NotReady, not old prices."""
    await rig.relay.primary.menus.view(GUID)
    await rig.fault(endpoint="*", mode="503", count=None)
    for _ in range(30):
        await rig.clock.advance(3600)
        rig.relay.primary.menus.tick()
        await rig.clock.advance(0)
        rig.relay.primary.menus._tracked[GUID].last_requested = rig.clock.monotonic()
    with pytest.raises(NotReady):
        await rig.relay.primary.menus.view(GUID)
    with pytest.raises(NotReady):
        rig.relay.primary.menus.cached(GUID)


async def test_cached_answers_only_what_is_held_and_marks_it_requested(rig: Rig) -> None:
    """The screens' synchronous path returns None until a view is held, then that view."""
    assert rig.relay.primary.menus.cached(GUID) is None
    view, _ = await rig.relay.primary.menus.view(GUID)
    await rig.clock.advance(30)
    held = rig.relay.primary.menus.cached(GUID)
    assert held == (view, "HIT")
    assert rig.relay.primary.menus._tracked[GUID].last_requested == rig.clock.monotonic()


async def test_time_specific_price_rerenders_when_it_flips(rig: Rig) -> None:
    """At the next time-specific price change the view is re-rendered without a Toast call."""
    view, _ = await rig.relay.primary.menus.view(GUID)
    assert view.valid_until is not None
    menus_calls = await rig.calls("menus")
    await rig.clock.advance(view.valid_until.timestamp() - rig.clock.now() + 1)
    rig.relay.primary.menus.tick()
    await rig.clock.advance(0)
    after, _ = await rig.relay.primary.menus.view(GUID)
    assert after.json.etag != view.json.etag
    assert [r.price for r in after.rows] != [r.price for r in view.rows]
    assert await rig.calls("menus") == menus_calls


async def test_root_path_serves_both_prefixed_and_plain(rig: Rig) -> None:
    """Under a root path (as uvicorn passes it) both /toast/menu and a stripped /menu route."""
    settings = load_settings(settings_env(RELAY_ROOT_PATH="/toast"))
    transport = httpx.ASGITransport(app=create_sim_app(SimState(clock=rig.clock)))
    toast = httpx.AsyncClient(transport=transport, base_url="http://toast.test")
    app = create_app(settings, clock=rig.clock, http=toast)
    ops = lifespan_of(app)
    async with ops.router.lifespan_context(ops), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, root_path=settings.relay_root_path),
            base_url="http://relay") as client:
        prefixed = await client.get(f"/toast/menu/{GUID}", params={"key": KEY})
        plain = await client.get(f"/menu/{GUID}", params={"key": KEY})
    assert prefixed.status_code == 200 and plain.status_code == 200
    assert prefixed.json()["items"] == plain.json()["items"]


async def test_restart_counts_stale_max_from_last_confirmation(tmp_path: Path) -> None:
    """A copy fetched long ago but confirmed recently is served after a restart in an outage:
    as it was at first, marked stale once the check made at once has failed."""
    clock = FakeClock(start=START)
    sim = create_sim_app(SimState(clock=clock))
    env = settings_env(RELAY_DATA_DIR=str(tmp_path), RELAY_STALE_MAX="1d")

    def build() -> Relay:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim),
                                 base_url="http://toast.test")
        return Relay.build(load_settings(env), clock=clock, http=http)

    first = build()
    await first.menus.view(GUID)
    rig = Rig(clock, httpx.AsyncClient(transport=httpx.ASGITransport(app=sim),
                                       base_url="http://toast.test"), first)
    for _ in range(3):  # three days of hourly confirmations, no menu change
        for _ in range(24):
            await rig.clock.advance(3600)
            first.menus.tick()
            await rig.clock.advance(1)
            first.primary.menus._tracked[GUID].last_requested = clock.monotonic()
    await rig.fault(endpoint="*", mode="503", count=None)
    second = build()
    view, result = await second.menus.view(GUID)  # confirmed a second ago: as it was
    assert (result, view.stale) == ("MISS", False) and view.rows
    second.menus.tick()  # the check due at once fails against the failing Toast
    for _ in range(120):  # its retries run on the fake clock
        held = second.menus.cached(GUID)
        if held is not None and held[1] == "STALE":
            break
        await clock.advance(1)
    held = second.menus.cached(GUID)
    assert held is not None and held[1] == "STALE" and held[0].rows


async def test_a_failing_save_backs_off_instead_of_hammering(rig: Rig) -> None:
    """A refresh that fails for a non-Toast reason is retried with backoff, not every tick."""
    await rig.relay.primary.menus.view(GUID)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    rig.relay.primary.menus._loader.last_updated = broken  # type: ignore[assignment,method-assign]
    await rig.check_now()
    for _ in range(40):
        rig.relay.primary.menus.tick()
        await rig.clock.advance(0.25)
    facts = rig.relay.primary.menus.facts()[0]
    assert facts.stale is True and "simulated bug" in str(facts.last_error)
    # 5 s, then 10 s ±10 %: the 10 s of ticks can see a third try, never the 40 of
    # a relay retrying every tick (the jitter made "<= 2" fail about a third of runs).
    assert rig.relay.primary.menus._tracked[GUID].state.failures <= 3


async def test_configured_restaurant_is_retried_after_failed_warm_up(rig: Rig) -> None:
    """A restaurant from RELAY_RESTAURANTS whose first load failed is loaded by the loop later."""
    await rig.fault(endpoint="menus", mode="503", count=None)
    warm = asyncio.ensure_future(rig.relay.primary.menus.warm([GUID]))
    while not warm.done():  # the first load retries on the fake clock, then gives up
        await rig.clock.advance(1)
    assert rig.relay.primary.menus.info(GUID) is None
    await rig.fault(endpoint="*", mode="off")
    for _ in range(12):
        await rig.clock.advance(60)
        rig.relay.primary.menus.tick()
        for _ in range(40):
            await rig.clock.advance(1)
    assert rig.relay.primary.menus.info(GUID) is not None


async def test_webhook_event_fetches_menus_and_publishes_the_change(rig: Rig) -> None:
    """A webhook event fetches /menus at once (no metadata call) and the change feed hears it."""
    from app.refresh.decide import Event

    view, _ = await rig.relay.primary.menus.view(GUID)
    heard: list[str] = []

    async def listen() -> None:
        async for etag in rig.relay.primary.menus.changes.subscribe(GUID):
            heard.append(etag)
            return

    listener = asyncio.ensure_future(listen())
    await asyncio.sleep(0)
    (await rig.sim.post(f"/_sim/publish/{GUID}")).raise_for_status()
    meta, menus = await rig.calls("metadata"), await rig.calls("menus")
    task = asyncio.ensure_future(rig.relay.primary.menus.handle(GUID, Event.WEBHOOK))
    while not task.done():
        await rig.clock.advance(1)
    await asyncio.wait_for(listener, 5)
    after, _ = await rig.relay.primary.menus.view(GUID)
    assert after.last_updated != view.last_updated and heard == [after.json.etag]
    assert (await rig.calls("metadata"), await rig.calls("menus")) == (meta, menus + 1)


async def test_intervals_come_from_the_supplied_plan(rig: Rig) -> None:
    """A restaurant's check interval is whatever the interval provider says (a budget plan)."""
    from app.refresh.decide import Intervals

    rig.relay.primary.menus.intervals = lambda guid: Intervals(refresh=600.0, stock=600.0)
    await rig.relay.primary.menus.view(GUID)
    before = await rig.calls("metadata")
    for _ in range(5):
        await rig.check_now()  # advances 60 s of the configured interval each time
    assert await rig.calls("metadata") - before <= 1


async def test_a_copy_confirmed_longer_ago_than_an_interval_restores_stale(
        tmp_path: Path) -> None:
    """After a restart, a saved copy Toast last confirmed more than one check interval ago is
    served marked stale until a check confirms it; a recent one is served as it was."""
    clock = FakeClock(start=START)
    sim = create_sim_app(SimState(clock=clock))
    env = settings_env(RELAY_DATA_DIR=str(tmp_path), RELAY_REFRESH_INTERVAL="60")

    def build() -> Relay:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim),
                                 base_url="http://toast.test")
        return Relay.build(load_settings(env), clock=clock, http=http)

    await build().menus.view(GUID)
    await clock.advance(30)
    assert (await build().menus.view(GUID))[0].stale is False
    await clock.advance(61)
    assert (await build().menus.view(GUID))[0].stale is True
