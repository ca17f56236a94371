"""Many restaurants due at once are rendered a few per loop iteration, not all in one."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import httpx

from app.clock import FakeClock
from app.config import load_settings
from app.refresh.pacing import Pacer
from app.relay import Relay
from app.sim.app import create_sim_app
from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET
from app.sim.state import SimState

# A Tuesday, 12:00 in New York; the fleet's menus have a 15:00-18:00 weekday price.
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC).timestamp()
FLEET = 24
STEP = 0.002
"""The fake timer moves 2 ms each time the pacer reads it: 4 renders fit a 10 ms slice."""


async def test_a_price_boundary_re_prices_every_restaurant_in_slices() -> None:
    """At a price boundary 24 restaurants re-price 4 per slice (6 slices), yielding between."""
    clock = FakeClock(start=START)
    state = SimState(clock=clock)
    guids = state.load_fleet(FLEET, 100, 2, 1)  # item 90 has a time-specific price
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sim_app(state)),
                             base_url="http://toast.test")
    relay = Relay.build(load_settings(env={
        "TOAST_API_URL": "http://toast.test", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": "k" * 24,
        "RELAY_REFRESH_INTERVAL": "1d", "RELAY_STOCK_INTERVAL": "1d"}), clock=clock, http=http)
    reads = itertools.count()
    pacer = relay.primary.menus.pacer = Pacer(0.010, timer=lambda: next(reads) * STEP)
    try:
        loading = asyncio.gather(*(relay.primary.menus.view(g) for g in guids))
        while not loading.done():  # first loads wait on the limiter's (fake) clock
            await clock.advance(0.1)
        views = [v for v, _ in loading.result()]
        boundary = views[0].valid_until
        assert boundary is not None and all(v.valid_until == boundary for v in views)
        slices_before = pacer.slices
        await clock.advance(boundary.timestamp() - clock.now() + 1)
        relay.primary.menus.tick()
        for _ in range(10):
            await clock.advance(0)
        after = [(await relay.primary.menus.view(g))[0] for g in guids]
        assert all(a.json.etag != v.json.etag for a, v in zip(after, views, strict=True))
        assert pacer.slices - slices_before == FLEET // 4
    finally:
        await http.aclose()
