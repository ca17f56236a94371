"""UpstreamLimiter: /menus spacing per restaurant, the global 20/s budget, 429 holds."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from app.clock import FakeClock
from app.toast.limiter import UpstreamLimiter, is_menus_endpoint

A = "6b1b4c9e-1c0c-4d6f-9a52-0d4c2f3c8a11"
B = "0e5b7d1e-8a52-4c1b-b0d4-7a9d9a8e6f22"


async def _send_times(clock: FakeClock, limiter: UpstreamLimiter,
                      calls: Sequence[tuple[str, str | None]], seconds: float) -> list[float]:
    times: list[float] = []

    async def one(path: str, restaurant: str | None) -> None:
        await limiter.acquire(path, restaurant)
        times.append(clock.monotonic())

    tasks = [asyncio.create_task(one(p, r)) for p, r in calls]
    await clock.advance(0)  # let every caller reach the limiter at t = now
    await clock.advance(seconds)  # wakes each sleeper at its own deadline
    assert all(t.done() for t in tasks)
    return sorted(times)


def test_only_the_full_menus_endpoint_is_spaced() -> None:
    """/menus/v2/menus is the 1/s-per-location endpoint; metadata and stock are not."""
    assert is_menus_endpoint("/menus/v2/menus")
    assert not is_menus_endpoint("/menus/v2/metadata")
    assert not is_menus_endpoint("/stock/v1/inventory")


async def test_menus_spaced_one_second_per_restaurant() -> None:
    """Three /menus for one restaurant go at 0, 1, 2 s; another restaurant is not held back."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    calls = [("/menus/v2/menus", A)] * 3 + [("/menus/v2/menus", B)]
    times = await _send_times(clock, limiter, calls, 3)
    assert times == [0.0, 0.0, 1.0, 2.0]


async def test_metadata_is_not_spaced_per_restaurant() -> None:
    """Several metadata calls for one restaurant go at once (they share the 20/s budget only)."""
    clock = FakeClock()
    times = await _send_times(clock, UpstreamLimiter(clock),
                              [("/menus/v2/metadata", A)] * 5, 1)
    assert times == [0.0] * 5


async def test_global_budget_is_twenty_per_sliding_second() -> None:
    """45 calls at once: 20 go now, 20 one second later, 5 after two seconds."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    times = await _send_times(clock, limiter, [("/stock/v1/inventory", A)] * 45, 3)
    assert times.count(0.0) == 20 and times.count(1.0) == 20 and times.count(2.0) == 5
    for t in times:  # no one-second window ever holds more than 20 sends
        assert sum(1 for u in times if t - 1 < u <= t) <= 20


async def test_block_until_holds_one_scope_after_a_429() -> None:
    """A 429 hold for one restaurant delays it only; others go at once."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    limiter.block_until(5.0, A)
    assert limiter.state()["blocked"] == {A: 5.0}
    times_b = await _send_times(clock, limiter, [("/menus/v2/metadata", B)], 0)
    assert times_b == [0.0]
    times_a = await _send_times(clock, limiter, [("/menus/v2/metadata", A)], 6)
    assert times_a == [5.0]


async def test_state_reports_recent_sends_and_waits() -> None:
    """state() counts the sends of the last second and the callers that had to wait."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock, global_per_second=2)
    await _send_times(clock, limiter, [("/x", None)] * 3, 1)
    state = limiter.state()
    assert state["globalPerSecond"] == 2
    assert state["throttledTotal"] == 1
    assert state["sentLastSecond"] == 1
