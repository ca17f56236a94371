"""UpstreamLimiter: spacing, the client windows, priorities, round robin, 429 holds, boosts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

import pytest

from app.clock import FakeClock
from app.store.counters import Claim, ClientLimits, LocalCounter, Refusal, Usage
from app.toast.endpoints import endpoint_spacing, is_menus_endpoint
from app.toast.limiter import Priority, UpstreamLimiter

A = "6b1b4c9e-1c0c-4d6f-9a52-0d4c2f3c8a11"
B = "0e5b7d1e-8a52-4c1b-b0d4-7a9d9a8e6f22"
C = "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a33"
MENUS, META, STOCK = "/menus/v2/menus", "/menus/v2/metadata", "/stock/v1/inventory"
LOGIN = "/authentication/v1/authentication/login"
Call = tuple[str, str | None, Priority]
GAP = 1 / 18  # the default pacing: 18 a second, evenly
SMALL = ClientLimits(toast_per_second=2, per_second=1, toast_per_window=10, per_window=8,
                     background_per_window=6, planned_per_window=5, window=10.0)


async def _run(clock: FakeClock, limiter: UpstreamLimiter, calls: Sequence[Call],
               seconds: float, *, all_sent: bool = True) -> list[tuple[float, int]]:
    """Start ``calls`` in order at the current time; (send time, call index) in send order."""
    sent: list[tuple[float, int]] = []

    async def one(i: int, path: str, restaurant: str | None, priority: Priority) -> None:
        await limiter.acquire(path, restaurant, priority)
        sent.append((clock.monotonic(), i))

    tasks = [asyncio.create_task(one(i, *c)) for i, c in enumerate(calls)]
    await clock.advance(0)  # every caller reaches the limiter at t = now
    await clock.advance(seconds)  # wakes each sleeper at its own deadline
    assert all(t.done() for t in tasks) or not all_sent
    return sent


def _bg(path: str, restaurant: str | None, n: int = 1) -> list[Call]:
    return [(path, restaurant, Priority.BACKGROUND)] * n


def test_only_menus_per_location_and_logins_are_spaced() -> None:
    """/menus/v2/menus per location and logins have their own 1/s; metadata and stock do not."""
    assert is_menus_endpoint(MENUS) and not is_menus_endpoint(META)
    assert endpoint_spacing(MENUS, A) == (f"menus:{A}", 1.0)
    assert endpoint_spacing(LOGIN, None) == ("login", 1.0)
    assert endpoint_spacing(META, A) is None and endpoint_spacing(STOCK, A) is None


async def test_menus_spaced_with_a_margin_per_restaurant() -> None:
    """Three /menus for one restaurant go ≥ 1.05 s apart; another restaurant is not held back."""
    clock = FakeClock()
    sent = await _run(clock, UpstreamLimiter(clock), _bg(MENUS, A, 3) + _bg(MENUS, B), 3)
    times = sorted(t for t, _ in sent)
    assert times == pytest.approx([0.0, 0.0, 1.05, 2.10])


async def test_logins_are_spaced_too() -> None:
    """Two logins go at least 1.05 s apart (Toast counts logins by IP)."""
    clock = FakeClock()
    sent = await _run(clock, UpstreamLimiter(clock), [(LOGIN, None, Priority.LOGIN)] * 2, 2)
    assert sent[1][0] - sent[0][0] >= 1.05


async def test_metadata_is_not_spaced_per_restaurant() -> None:
    """Several metadata calls for one restaurant go at once (they share the client budget)."""
    clock = FakeClock()
    sent = await _run(clock, UpstreamLimiter(clock), _bg(META, A, 5), 1)
    assert [t for t, _ in sent] == [0.0] * 5


async def test_client_budget_is_eighteen_a_second_paced() -> None:
    """45 calls at once: 9 go now, the rest 1/18 s apart (no burst at a second's edge), and
    no second holds more than 18 (Toast: 20, counted on arrival)."""
    clock = FakeClock()
    sent = await _run(clock, UpstreamLimiter(clock), _bg(STOCK, A, 45), 4)
    times = [t for t, _ in sent]
    assert times[:9] == [0.0] * 9
    assert all(b - a >= GAP - 1e-9 for a, b in pairwise(times[9:]))
    assert max(sum(1 for u in times if t <= u < t + 1) for t in times) == 18


async def test_a_screen_goes_before_queued_background_work() -> None:
    """With the budget full, a first load queued last is sent before earlier background checks."""
    clock = FakeClock()
    calls = [*_bg(META, A, 4), (META, B, Priority.FIRST_LOAD)]
    sent = await _run(clock, UpstreamLimiter(clock, SMALL), calls, 10)
    assert [i for _, i in sent][:2] == [0, 4]


async def test_priorities_order_login_first_load_urgent_background() -> None:
    """Queued together, requests go out LOGIN, FIRST_LOAD, URGENT, BACKGROUND."""
    clock = FakeClock()
    calls = [(STOCK, A, Priority.BACKGROUND), (STOCK, A, Priority.BACKGROUND),
             (STOCK, B, Priority.URGENT), (STOCK, C, Priority.FIRST_LOAD),
             (LOGIN, None, Priority.LOGIN)]
    sent = await _run(clock, UpstreamLimiter(clock, SMALL), calls, 10)
    assert [i for _, i in sent] == [0, 4, 3, 2, 1]


async def test_background_takes_turns_across_restaurants() -> None:
    """Restaurant A's queued checks do not starve B and C: after one of A's, they take turns."""
    clock = FakeClock()
    calls = _bg(STOCK, A, 4) + _bg(STOCK, B) + _bg(STOCK, C)
    sent = await _run(clock, UpstreamLimiter(clock, SMALL), calls, 6)
    # A at once, then A's queue, B, C in turn, then A again.
    assert [i for _, i in sent] == [0, 1, 4, 5, 2, 3]


async def test_a_restaurant_keeps_a_queue_only_while_it_has_requests_waiting() -> None:
    """Halfway through 40 restaurants' queued calls, only those still waiting have a queue."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    calls = [c for i in range(40) for c in _bg(STOCK, f"{i:08x}-0000-4000-8000-000000000000")]
    sent = await _run(clock, limiter, calls, 1.0, all_sent=False)
    assert 10 < len(sent) < 40
    # Each empty queue is an object every full garbage collection scans.
    assert len(limiter._queues[Priority.BACKGROUND]) == 40 - len(sent)


async def test_background_leaves_room_in_the_window_for_screens() -> None:
    """Background stops at its share of the 15-minute window; a first load still goes."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock, SMALL)
    background = await _run(clock, limiter, _bg(STOCK, A, 7), 7, all_sent=False)
    assert len(background) == 6  # one waits for the window to move
    screen = await _run(clock, limiter, [(STOCK, B, Priority.FIRST_LOAD)], 1)
    assert len(screen) == 1 and screen[0][0] < 8.0


async def test_a_restaurant_held_by_spacing_does_not_block_others() -> None:
    """A /menus waiting for its 1.05 s spacing lets other restaurants' calls pass."""
    clock = FakeClock()
    sent = await _run(clock, UpstreamLimiter(clock), _bg(MENUS, A, 2) + _bg(META, B, 3), 2)
    times = {i: t for t, i in sent}
    assert times[1] == pytest.approx(1.05) and [times[i] for i in (2, 3, 4)] == [0.0] * 3


async def test_block_until_holds_one_scope_after_a_429() -> None:
    """A 429 hold for one restaurant delays it only; others go at once."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    limiter.block_until(5.0, A)
    assert limiter.state()["blocked"] == {A: 5.0}
    assert [t for t, _ in await _run(clock, limiter, _bg(META, B), 0)] == [0.0]
    assert [t for t, _ in await _run(clock, limiter, _bg(META, A), 6)] == [5.0]


async def test_boost_moves_a_background_load_ahead() -> None:
    """boost() makes a restaurant's queued and later requests go at the boosted priority."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock, SMALL)
    sent: list[str] = []

    async def one(restaurant: str) -> None:
        await limiter.acquire(STOCK, restaurant)
        sent.append(restaurant)

    tasks = [asyncio.create_task(one(r)) for r in (A, B, B, C)]
    await clock.advance(0)
    limiter.boost(C, Priority.FIRST_LOAD)
    await clock.advance(10)
    assert sent[:2] == [A, C] and all(t.done() for t in tasks)
    limiter.unboost(C)
    assert limiter.state()["waiting"] == {"login": 0, "first_load": 0, "urgent": 0,
                                          "background": 0}


async def test_a_boost_while_a_shared_counter_claims_grants_the_waiter_once() -> None:
    """With a counter whose claim suspends (Redis), a boost in that gap moves the waiter's
    queue; it is still granted exactly once and no queue is left behind."""
    clock = FakeClock()
    local = LocalCounter(clock, SMALL)
    gate = asyncio.Event()
    gate.set()

    class Suspending:
        async def claim(self, claim: Claim) -> Refusal | None:
            await gate.wait()  # the round trip to Redis
            return await local.claim(claim)

        def usage(self) -> Usage:
            return local.usage()

        async def settle(self, claim: Claim) -> None:
            await local.settle(claim)

    limiter = UpstreamLimiter(clock, SMALL, counter=Suspending())
    first = asyncio.create_task(limiter.acquire(STOCK, A))  # SMALL: 1 a second
    second = asyncio.create_task(limiter.acquire(STOCK, A))  # queued for the next second
    await clock.advance(0)
    assert first.done() and not second.done()
    gate.clear()
    await clock.advance(1.1)  # the pump wakes and claims, and the claim suspends
    limiter.boost(A, Priority.FIRST_LOAD)
    gate.set()
    await clock.advance(1.1)
    assert second.done() and second.exception() is None
    assert limiter.usage().last_window == 2
    assert not any(limiter._queues.values())


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    """A caller cancelled while waiting is dropped; the ones behind it still go."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock, SMALL)
    first = asyncio.create_task(limiter.acquire(STOCK, A))
    doomed = asyncio.create_task(limiter.acquire(STOCK, B))
    last = asyncio.create_task(limiter.acquire(STOCK, C))
    await clock.advance(0)
    doomed.cancel()
    await clock.advance(1.1)
    assert first.done() and doomed.cancelled() and last.done()
    await clock.advance(1.1)
    assert limiter.state()["waiting"] == {"login": 0, "first_load": 0, "urgent": 0,
                                          "background": 0}


async def test_state_reports_budget_as_numbers() -> None:
    """state() gives used/limit per second and per 15 minutes, and the callers that waited."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    await _run(clock, limiter, _bg(STOCK, A, 12), 0.5)
    state = limiter.state()
    assert state["perSecond"] == {"used": 12, "limit": 18, "toastLimit": 20}
    assert state["perWindow"] == {"used": 12, "limit": 9500, "backgroundLimit": 8500,
                                  "toastLimit": 10000, "seconds": 900.0}
    assert state["throttledTotal"] == 3  # 9 at once, 3 paced


def test_limits_refuse_caps_above_toasts() -> None:
    """ClientLimits refuses a cap above Toast's own limit (the headroom is the point)."""
    with pytest.raises(ValueError, match="per_second"):
        ClientLimits(per_second=21)
    with pytest.raises(ValueError, match="per_window"):
        ClientLimits(per_window=10_001)


async def _sent_through_sending(clock: FakeClock, limiter: UpstreamLimiter,
                                answers: Sequence[float], seconds: float) -> list[float]:
    """Send times of /menus for A, all started at once, each answered after its ``answers``."""
    sent: list[float] = []

    async def one(answer_after: float) -> None:
        async with limiter.sending(MENUS, A):
            sent.append(clock.monotonic())
            await clock.sleep(answer_after)

    tasks = [asyncio.create_task(one(a)) for a in answers]
    await clock.advance(0)
    await clock.advance(seconds)
    assert all(t.done() for t in tasks)
    return sent


async def test_sending_spaces_the_next_menus_from_the_answer() -> None:
    """A /menus answered 0.5 s after it was sent holds the next until 1.05 s after that."""
    # Toast counts a call on arrival, which may be as late as its answer on a busy host.
    clock = FakeClock()
    sent = await _sent_through_sending(clock, UpstreamLimiter(clock), [0.5, 0.0, 0.0], 5)
    assert sent == pytest.approx([0.0, 1.55, 2.6])


async def test_an_unanswered_menus_holds_the_next_at_most_the_hold() -> None:
    """A /menus whose answer never comes holds its spacing 2 s, then the spacing runs."""
    clock = FakeClock()
    sent = await _sent_through_sending(clock, UpstreamLimiter(clock), [10.0, 0.0], 12)
    assert sent == pytest.approx([0.0, 3.05])


async def test_a_call_failing_inside_sending_spaces_the_next_from_the_failure() -> None:
    """A /menus failing 0.4 s after it was sent frees its spacing then: the next goes at 1.45 s."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)

    async def failing() -> None:
        async with limiter.sending(MENUS, A):
            await clock.sleep(0.4)
            raise RuntimeError("connection reset")

    async def next_one() -> float:
        async with limiter.sending(MENUS, A):
            return clock.monotonic()

    first = asyncio.create_task(failing())
    later = asyncio.create_task(next_one())
    await clock.advance(0)
    await clock.advance(3.5)
    assert isinstance(first.exception(), RuntimeError)
    assert later.result() == pytest.approx(1.45)


async def test_settle_frees_only_the_hold_of_its_own_claim() -> None:
    """A late answer to a call whose hold ran out leaves the next call's hold in place."""
    clock = FakeClock()
    counter = LocalCounter(clock, ClientLimits())
    first = Claim(9_500, f"menus:{A}", 1.05, hold=2.0, ticket="1")
    second = replace(first, ticket="2")
    assert await counter.claim(first) is None
    await clock.advance(3.1)  # the hold and the spacing passed without an answer
    assert await counter.claim(second) is None
    await clock.advance(0.5)
    await counter.settle(first)  # the first call's answer, late
    held = await counter.claim(second)  # still held by the second: ask again in a spacing
    assert held is not None and not held.client_wide and held.wait == pytest.approx(1.05)
    await counter.settle(second)
    await clock.advance(1.0)
    spaced = await counter.claim(second)
    assert spaced is not None and spaced.wait == pytest.approx(0.05)


def test_limits_refuse_a_negative_hold() -> None:
    """ClientLimits refuses a negative unanswered_hold."""
    with pytest.raises(ValueError, match="unanswered_hold"):
        ClientLimits(unanswered_hold=-1.0)


async def test_a_boosted_menus_keeps_its_hold_until_its_answer() -> None:
    """A /menus boosted while waiting in ``sending`` still holds its spacing until its answer."""
    clock = FakeClock()
    limiter = UpstreamLimiter(clock)
    sent: list[float] = []

    async def one(answer_after: float) -> None:
        async with limiter.sending(MENUS, A):
            sent.append(clock.monotonic())
            await clock.sleep(answer_after)

    tasks = [asyncio.create_task(one(a)) for a in (0.0, 0.5, 0.0)]
    await clock.advance(0)
    limiter.boost(A, Priority.FIRST_LOAD)
    await clock.advance(5)
    limiter.unboost(A)
    assert all(t.done() for t in tasks)
    assert sent == pytest.approx([0.0, 1.05, 2.6])
