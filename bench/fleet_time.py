"""Part d, simulated time: Toast calls, effective intervals and publish-to-screen at N.

The relay (``create_app`` with its ``Relay``, all N restaurants in
``RELAY_RESTAURANTS``) and an in-process simulator that enforces Toast's
per-client limits share one ``FakeClock``, so fifteen minutes take seconds.
After the warm-up, the relay runs one full 15-minute window (Toast's budget
window) with default settings; at its middle ``PUBLISHED`` restaurants publish
a change, and the time until the relay serves each new version is noted. After
the window, ``BURST`` more restaurants publish and are refreshed at once, and the
longest event-loop iteration while the relay serves them is noted.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Awaitable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.serving import KEY

if TYPE_CHECKING:
    from app.clock import FakeClock
    from app.refresh.service import MenuService
    from app.sim.state import SimState

START = datetime(2026, 11, 24, 19, 50, tzinfo=UTC).timestamp()
"""A Tuesday, 14:50 in New York: the menus' 15:00-18:00 weekday price starts during the
window, so every restaurant re-prices at once."""
WINDOW = 900.0
STEP = 0.25
PUBLISHED = 10
BURST = 100
"""Restaurants published and refreshed at once after the window (``MenuService.refresh``,
what ``/admin/refresh`` calls, without the HTTP requests around it)."""
TOAST_WINDOW_LIMIT = 10_000
SIM_BASE = "http://toast.sim"


@dataclass(frozen=True)
class FleetTime:
    n: int
    warm_s: float
    calls: dict[str, int]
    refused: int
    """Calls the simulator answered 429 in the window."""
    metadata_interval: float
    stock_interval: float
    publish_lag: list[float]
    """Seconds from each publish until the relay served the new version."""
    longest_step_ms: float = 0.0
    """The longest event-loop iteration in the window (loop-thread CPU time, less the
    in-process simulator's own: in production Toast answers from elsewhere)."""
    boundary_step_ms: float = 0.0
    """... within the seconds around the price boundary."""
    repriced: int = 0
    pacer_slices: int = 0
    burst_step_ms: float = 0.0
    """The longest iteration while ``BURST`` restaurants, published at once, are
    refreshed together (fetch, decode, flatten, render each)."""
    burst_s: float = 0.0
    """Simulated seconds until the burst was served (Toast's 20 requests/s bounds it)."""
    burst_n: int = 0
    """Restaurants in the burst (``BURST``, or all not published in the window)."""

    @property
    def total(self) -> int:
        return sum(self.calls.values())


async def _advance_until(clock: object, done: object, limit: float) -> float:
    """Advance the fake clock in ``STEP``s until ``done()`` or ``limit`` seconds; elapsed."""
    from app.clock import FakeClock

    assert isinstance(clock, FakeClock)
    start = clock.monotonic()
    while clock.monotonic() - start < limit and not done():  # type: ignore[operator]
        await clock.advance(STEP)
    return clock.monotonic() - start


class SimTime:
    """Wraps the simulator's ASGI app and adds up the loop thread's CPU time spent inside
    it, resumption by resumption (``httpx.ASGITransport`` runs it inside the relay's own
    task step, so without this its work would be counted as the relay's)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.spent = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _Timed(self.app(scope, receive, send), self)


class _Timed:
    def __init__(self, inner: Awaitable[None], total: SimTime) -> None:
        self._inner = inner
        self._total = total

    def __await__(self) -> Generator[Any, Any, None]:
        steps = self._inner.__await__()
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            started = time.thread_time()
            try:
                out = steps.send(sent) if thrown is None else steps.throw(thrown)
            except StopIteration:
                return
            finally:
                self._total.spent += time.thread_time() - started
            sent, thrown = None, None
            try:
                sent = yield out
            except BaseException as exc:  # passed on to the simulator, as awaiting would
                thrown = exc


async def measure(n: int) -> FleetTime:
    from app.api.app import create_app, lifespan_of, relay_of
    from app.clock import FakeClock
    from app.config import load_settings
    from app.sim.app import create_sim_app
    from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET
    from app.sim.state import SimState
    from bench.many import ITEMS, MODIFIER_GROUPS

    clock = FakeClock(start=START)
    sim = SimState(clock=clock)
    guids = sim.load_fleet(n, ITEMS, MODIFIER_GROUPS, 1)
    sim_time = SimTime(create_sim_app(sim))
    sim_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim_time), base_url=SIM_BASE)
    settings = load_settings(env={
        "TOAST_API_URL": SIM_BASE, "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
        "RELAY_RESTAURANTS": ",".join(guids)})
    app = create_app(settings, clock=clock, http=sim_http)
    ops = lifespan_of(app)
    async with ops.router.lifespan_context(ops):
        relay = relay_of(app)
        menus = relay.primary.menus

        def loaded() -> bool:
            return all(menus.current(g) is not None for g in guids)

        warm_s = await _advance_until(clock, loaded, 4 * 3600)
        before = sim.counters.to_json()
        chosen = guids[:PUBLISHED]
        # Toast's lastUpdated, not the ETag: the 15:00 re-price changes every ETag too.
        versions = {g: v.last_updated for g in chosen if (v := menus.current(g)) is not None}
        lag: dict[str, float] = {}
        watch = Iterations(sim_time)
        watching = asyncio.ensure_future(watch.run())
        boundary = next((v.valid_until.timestamp() for g in guids
                         if (v := menus.current(g)) is not None and v.valid_until), None)
        first = {g: v.json.etag for g in guids if (v := menus.current(g)) is not None}
        slices = menus.pacer.slices
        around: list[float] = []
        start = clock.monotonic()
        published_at = start + WINDOW / 2
        published = False
        while clock.monotonic() - start < WINDOW:
            if not published and clock.monotonic() >= published_at:
                for g in chosen:
                    sim.bump(sim.restaurants[g])
                published = True
            near = boundary is not None and abs(clock.now() - boundary) < 5
            mark = len(watch.gaps)
            await clock.advance(STEP)
            if near:
                around.extend(watch.gaps[mark:])
            if published:
                for g in chosen:
                    v = menus.current(g)
                    if g not in lag and v is not None and v.last_updated != versions[g]:
                        lag[g] = clock.monotonic() - published_at
        after = sim.counters.to_json()
        plan = relay.primary.budget.gauges()
        repriced = sum(1 for g in guids[PUBLISHED:] if (v := menus.current(g)) is not None
                       and v.json.etag != first.get(g))
        slices = menus.pacer.slices - slices
        mark = len(watch.gaps)
        burst = guids[PUBLISHED:PUBLISHED + BURST]
        burst_s = await _burst(clock, sim, menus, burst)
        burst_gaps = watch.gaps[mark:]
        watching.cancel()
    calls = {e: int(after["calls"].get(e, 0)) - int(before["calls"].get(e, 0))
             for e in after["calls"]}
    refused = sum(int(c.get("429", 0)) for c in after["statuses"].values()) - sum(
        int(c.get("429", 0)) for c in before["statuses"].values())
    return FleetTime(n, warm_s, calls, refused, plan.get("metadata", 0.0),
                     plan.get("stock", 0.0), sorted(lag.values()),
                     max(watch.gaps[:mark], default=0.0) * 1000,
                     max(around, default=0.0) * 1000, repriced, slices,
                     max(burst_gaps, default=0.0) * 1000, burst_s, len(burst))


async def _burst(clock: FakeClock, sim: SimState, menus: MenuService,
                 chosen: list[str]) -> float:
    """Publish ``chosen`` in the simulator and refresh them all at once, as an operator's
    ``/admin/refresh`` does; simulated seconds until every one is served new."""
    for g in chosen:
        sim.bump(sim.restaurants[g])
    refreshes = asyncio.gather(*(menus.refresh(g) for g in chosen))
    took = await _advance_until(clock, refreshes.done, 600)
    await refreshes  # raises if a refresh failed
    return took


class Iterations:
    """A task that yields on every loop iteration and keeps the loop thread's CPU time
    between two (CPU, not wall time: on a shared machine the process is also descheduled,
    which is no work of the relay's), less the simulator's share of it.

    The gaps go to an ``array``, not a list: a window holds hundreds of thousands of
    iterations, and a list of that many floats is rescanned by every full garbage
    collection of the process, which the benchmark would then blame on the relay."""

    def __init__(self, sim: SimTime) -> None:
        self.gaps = array("d")
        self._sim = sim

    async def run(self) -> None:
        last, sim = time.thread_time(), self._sim.spent
        while True:
            await asyncio.sleep(0)
            now, sim_now = time.thread_time(), self._sim.spent
            self.gaps.append((now - last) - (sim_now - sim))
            last, sim = now, sim_now


def run(n: int) -> FleetTime:
    return asyncio.run(measure(n))
