"""The shared heartbeat: every stream pinged once per period, a slice per tick."""

from __future__ import annotations

import asyncio

from app.clock import FakeClock
from app.serve.heartbeat import Heartbeat, slot_count
from app.serve.push import BATCH, ChangeFeed


class Member:
    def __init__(self) -> None:
        self.pings: list[float] = []
        self.clock: FakeClock | None = None

    def ping(self) -> None:
        assert self.clock is not None
        self.pings.append(self.clock.monotonic())


def members(clock: FakeClock, n: int) -> list[Member]:
    out = [Member() for _ in range(n)]
    for m in out:
        m.clock = clock
    return out


def test_slot_count_follows_the_period() -> None:
    """15 s at quarter-second ticks is 60 slices; a tiny period still has one."""
    assert slot_count(15.0) == 60
    assert slot_count(1.0) == 4
    assert slot_count(0.01) == 1


async def test_members_are_spread_evenly_over_the_slices() -> None:
    """Members joining together land in the slices round robin, not in one."""
    clock = FakeClock()
    wheel = Heartbeat(1.0, clock)
    for m in members(clock, 10):
        wheel.add(m)
    assert wheel.sizes() == [3, 3, 2, 2]
    wheel.stop()


async def test_each_tick_pings_one_slice_and_each_member_once_per_period() -> None:
    """Over one period every member is pinged exactly once, and no tick pings more than
    its slice (here 2 of 8)."""
    clock = FakeClock()
    wheel = Heartbeat(1.0, clock)
    group = members(clock, 8)
    for m in group:
        wheel.add(m)
    await clock.advance(0)  # the wheel's task starts its first tick
    per_tick: list[int] = []
    for _ in range(4):
        before = sum(len(m.pings) for m in group)
        await clock.advance(0.25)
        per_tick.append(sum(len(m.pings) for m in group) - before)
    assert per_tick == [2, 2, 2, 2]
    assert [len(m.pings) for m in group] == [1] * 8
    await clock.advance(1.0)
    assert [len(m.pings) for m in group] == [2] * 8
    wheel.stop()


async def test_no_timer_while_no_member_is_left() -> None:
    """The wheel's task ends when its last member leaves and restarts with the next."""
    clock = FakeClock()
    wheel = Heartbeat(1.0, clock)
    m = members(clock, 1)[0]
    slot = wheel.add(m)
    await clock.advance(0)
    assert clock.sleepers == 1
    wheel.remove(m, slot)
    await clock.advance(0.25)
    assert clock.sleepers == 0 and m.pings == []
    wheel.add(m)
    await clock.advance(0)
    await clock.advance(1.0)
    assert len(m.pings) == 1
    wheel.stop()


async def test_a_parked_stream_gets_its_heartbeat_from_the_wheel() -> None:
    """A subscription waiting with no timer of its own returns None once per period."""
    clock = FakeClock()
    feed = ChangeFeed(heartbeat=1.0, clock=clock)
    with feed.subscribe("r1") as sub:
        waiter = asyncio.ensure_future(sub.next())
        await clock.advance(0.5)
        assert not waiter.done() or waiter.result() is None
        await clock.advance(0.5)
        assert waiter.done() and waiter.result() is None and not sub.closed
    feed.close_all()


async def test_a_fan_out_wakes_a_batch_per_turn_of_the_loop() -> None:
    """A publish to 250 waiting streams wakes BATCH of them before yielding to the loop,
    and every one of them in the end, each with the new ETag."""
    clock = FakeClock()
    feed = ChangeFeed(heartbeat=3600.0, clock=clock)
    subs = [feed.subscribe("r1") for _ in range(250)]
    waiters = [asyncio.ensure_future(s.next()) for s in subs]
    await asyncio.sleep(0)
    feed.publish("r1", '"v2"')
    await asyncio.sleep(0)
    assert sum(w.done() for w in waiters) == BATCH
    assert await asyncio.gather(*waiters) == ['"v2"'] * 250
    feed.close_all()


async def test_subscribing_after_shutdown_began_gives_a_closed_subscription() -> None:
    """Once close_all ran, a new stream is not parked: it comes closed."""
    feed = ChangeFeed()
    feed.close_all()
    with feed.subscribe("r1") as sub:
        assert sub.closed and await sub.next() is None
