"""Property: whatever arrives when, no window ever holds more sends than the limiter's caps.

Send times are compared as exact fractions, so a float rounding in the limiter
(the old ``sent[0] + 1 - now == 0.0`` burst) cannot hide behind the same
rounding in the test.
"""

from __future__ import annotations

import asyncio
from fractions import Fraction
from itertools import pairwise

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.clock import FakeClock
from app.store.counters import ClientLimits
from app.toast.limiter import Priority, UpstreamLimiter

LIMITS = ClientLimits(toast_per_second=4, per_second=3, toast_per_window=14, per_window=12,
                      background_per_window=9, planned_per_window=8, window=10.0)
PATHS = ("/menus/v2/menus", "/menus/v2/metadata", "/stock/v1/inventory",
         "/authentication/v1/authentication/login")
RESTAURANTS = ("a", "b", "c")

arrivals = st.lists(
    st.tuples(
        st.one_of(st.just(0.0), st.floats(0.0, 1.5),
                  st.sampled_from([0.1, 0.3, 1.0 / 3, 0.95, 1.0])),
        st.sampled_from(PATHS),
        st.sampled_from(RESTAURANTS),
        st.sampled_from(list(Priority)),
    ),
    min_size=1, max_size=40,
)


async def _scenario(start: float, plan: list[tuple[float, str, str, Priority]]
                    ) -> list[tuple[float, str, str]]:
    clock = FakeClock()
    await clock.advance(start)
    limiter = UpstreamLimiter(clock, LIMITS)
    sent: list[tuple[float, str, str]] = []

    async def one(path: str, restaurant: str, priority: Priority) -> None:
        await limiter.acquire(path, restaurant, priority)
        sent.append((clock.monotonic(), path, restaurant))

    tasks = []
    for gap, path, restaurant, priority in plan:
        await clock.advance(gap)
        tasks.append(asyncio.create_task(one(path, restaurant, priority)))
        await clock.advance(0)
    for _ in range(200):  # bounded: 40 sends at 3/s and 12 per 10 s finish well within
        if all(t.done() for t in tasks):
            break
        await clock.advance(0.5)
    assert all(t.done() for t in tasks)
    return sent


def _most_in_any_window(times: list[Fraction], span: Fraction) -> int:
    # A window holding the most sends can always be slid to start at one of them.
    return max(sum(1 for u in times if t <= u < t + span) for t in times)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.one_of(st.just(0.0), st.floats(0.0, 1e6)), plan=arrivals)
# The old burst: at t0 + 1.0 (rounded) the first send of t0 looked both expired (to the
# wait) and current (to the count), so a fourth send fitted into less than one second.
@example(start=7.477173042134244,
         plan=[(0.0, PATHS[2], "a", Priority.BACKGROUND)] * 3
         + [(1.0, PATHS[2], "b", Priority.BACKGROUND)])
def test_no_window_ever_holds_more_than_the_caps(
        start: float, plan: list[tuple[float, str, str, Priority]]) -> None:
    """No 1 s window exceeds per_second, no window of `window` s exceeds per_window, and
    /menus per restaurant are ≥ 1.05 s apart, for any arrivals, priorities and start time."""
    sent = asyncio.run(_scenario(start, plan))
    times = [Fraction(t) for t, _, _ in sent]
    assert _most_in_any_window(times, Fraction(1)) <= LIMITS.per_second
    assert _most_in_any_window(times, Fraction(LIMITS.window)) <= LIMITS.per_window
    for restaurant in RESTAURANTS:
        menus = sorted(Fraction(t) for t, p, r in sent if r == restaurant and p == PATHS[0])
        assert all(b - a >= Fraction(105, 100) for a, b in pairwise(menus))
    logins = sorted(Fraction(t) for t, p, _ in sent if p == PATHS[3])
    assert all(b - a >= Fraction(105, 100) for a, b in pairwise(logins))


menus_calls = st.lists(
    st.tuples(
        st.one_of(st.just(0.0), st.floats(0.0, 1.5), st.sampled_from([0.5, 1.0, 1.05])),
        st.one_of(st.just(0.0), st.floats(0.0, 3.0), st.sampled_from([1.05, 2.0, 2.5])),
    ),
    min_size=2, max_size=12,
)


async def _answered(start: float, plan: list[tuple[float, float]]) -> list[tuple[float, float]]:
    clock = FakeClock()
    await clock.advance(start)
    limiter = UpstreamLimiter(clock, LIMITS)
    calls: list[tuple[float, float]] = []

    async def one(answer_after: float) -> None:
        async with limiter.sending(PATHS[0], "a"):
            sent = clock.monotonic()
            await clock.sleep(answer_after)
            calls.append((sent, clock.monotonic()))

    tasks = []
    for gap, answer_after in plan:
        await clock.advance(gap)
        tasks.append(asyncio.create_task(one(answer_after)))
        await clock.advance(0)
    for _ in range(400):
        if all(t.done() for t in tasks):
            break
        await clock.advance(0.25)
    assert all(t.done() for t in tasks)
    return sorted(calls)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.one_of(st.just(0.0), st.floats(0.0, 1e6)), plan=menus_calls)
def test_menus_through_sending_go_a_spacing_after_the_answer_before(
        start: float, plan: list[tuple[float, float]]) -> None:
    """Each /menus goes ≥ 1.05 s after the answer before (or its 2 s hold), for any timing."""
    calls = asyncio.run(_answered(start, plan))
    hold = Fraction(LIMITS.unanswered_hold)
    for (sent, answered), (following, _) in pairwise(calls):
        freed = min(Fraction(answered), Fraction(sent) + hold)
        assert Fraction(following) - freed >= Fraction(105, 100)
