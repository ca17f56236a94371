"""The simulator's per-client limits: 20 requests/s and 10,000 per 15 minutes.

Toast's figures: docs/toast-api.md, rate limits.
"""

from __future__ import annotations

import httpx

from app.clock import FakeClock
from app.sim.app import create_sim_app
from app.sim.ratelimit import RateLimiter
from app.sim.sample import SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID
from app.sim.state import SimState
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers

GUIDS = (SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID)


async def test_twenty_per_second_per_client_across_restaurants(
        client: httpx.AsyncClient, token: str, clock: FakeClock) -> None:
    """21 calls in one second over two restaurants: the 21st is 429 GLOBAL with Retry-After 1."""
    codes = [(await client.get("/menus/v2/metadata", headers=headers(token, GUIDS[i % 2])))
             .status_code for i in range(20)]
    assert codes == [200] * 20
    limited = await client.get("/stock/v1/inventory", headers=headers(token, GUIDS[1]))
    assert limited.status_code == 429
    assert limited.headers["X-Toast-RateLimit-By"] == "GLOBAL"
    assert limited.headers["Retry-After"] == "1"
    await clock.advance(1.0)
    ok = await client.get("/stock/v1/inventory", headers=headers(token, GUIDS[1]))
    assert ok.status_code == 200


async def test_fifteen_minute_budget_answers_429_with_retry_after() -> None:
    """With the 15-minute budget spent, the next call is 429 until the oldest call is 15 min old."""
    clock = FakeClock()
    state = SimState(clock=clock, client_per_window=5)
    transport = httpx.ASGITransport(app=create_sim_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        token = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"]
        for i in range(5):
            r = await client.get("/menus/v2/metadata", headers=headers(token, GUIDS[i % 2]))
            assert r.status_code == 200
            await clock.advance(10)
        limited = await client.get("/menus/v2/metadata", headers=headers(token))
        assert limited.status_code == 429 and limited.headers["X-Toast-RateLimit-By"] == "GLOBAL"
        assert limited.headers["Retry-After"] == "850"  # 900 s after the first call at t = 0
        assert int(limited.headers["X-Toast-RateLimit-Reset"]) == int(clock.now()) + 850
        await clock.advance(850)
        assert (await client.get("/menus/v2/metadata", headers=headers(token))).status_code == 200


async def test_ten_thousand_per_fifteen_minutes_counts_per_client() -> None:
    """10,000 calls spread over 500 s fill one client's window; another client is unaffected."""
    clock = FakeClock()
    limiter = RateLimiter(clock)
    for i in range(10_000):
        assert limiter.check(f"r{i % 50}", "metadata", "x").allowed
        if i % 20 == 19:
            await clock.advance(1.0)  # 20 calls per second: within the per-second limits
    refused = limiter.check("r0", "metadata", "x")
    assert not refused.allowed and refused.by == "GLOBAL"
    assert refused.retry_after == 400  # the first call (t = 0) leaves the window at 900 s
    assert limiter.check("r0", "metadata", "y").allowed


def test_success_reports_the_limit_closest_to_running_out() -> None:
    """X-Toast-RateLimit-Remaining follows whichever limit has the fewest requests left."""
    clock = FakeClock()
    limiter = RateLimiter(clock, client_per_window=3)
    first = limiter.check("r", "metadata", "x")
    assert first.allowed and first.remaining == 2 and first.reset_in == 900.0


async def test_idle_restaurants_are_forgotten_and_limits_still_hold() -> None:
    """A restaurant with no call for a second leaves the limiter's memory; one still busy
    keeps its window (its 21st call in a second is refused) and its 1 s menus limit."""
    clock = FakeClock()
    limiter = RateLimiter(clock, client_per_second=None, client_per_window=None)
    for i in range(100):
        assert limiter.check(f"r{i}", "menus").allowed
    await clock.advance(0.6)
    for _ in range(19):
        assert limiter.check("busy", "metadata").allowed
    await clock.advance(0.6)
    assert limiter.check("busy", "metadata").allowed  # prunes the 100 idle restaurants
    assert set(limiter._hits) == {"busy"} and not limiter._last_menus
    refused = limiter.check("busy", "metadata")
    assert not refused.allowed and refused.by == "GLOBAL"
    assert limiter.check("r0", "menus").allowed
    assert not limiter.check("r0", "menus").allowed
