"""The refresh tick starts due restaurants a bounded batch per loop iteration."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from msgspec.structs import replace

from app.clock import FakeClock
from app.refresh.background import Background
from app.refresh.decide import Plan
from app.refresh.loop import RefreshLoop
from app.refresh.pacing import DECIDE_BATCH, START_BATCH, Starter
from app.refresh.timing import Timing
from app.refresh.tracked import Tracked
from app.store.coordination import LocalNotifier

FLEET = 1000


class Recording:
    """A refresh loop whose plans are carried out by nothing: it notes which loop
    iteration (batch) started each plan (no limit on unfinished starts: that is pinned
    on the ``Starter`` alone)."""

    def __init__(self, clock: FakeClock) -> None:
        self.iteration = 0

        async def pause() -> None:
            self.iteration += 1
            await asyncio.sleep(0)

        self.tracked: dict[str, Tracked] = {}
        self.started: list[tuple[int, str, Plan]] = []
        timing = Timing(refresh_interval=60, stock_interval=60, stale_max=3600,
                        idle_after=3600, not_found_ttl=60)
        self.loop = RefreshLoop(tracked=self.tracked, clock=clock, timing=timing,
                                carry_out=self._carry_out, retry_first_load=self._retry,
                                notifier=LocalNotifier(), follow_others=False,
                                starts=Starter(limit=FLEET, pause=pause),
                                background=Background(), logger=logging.getLogger("test"))

    async def _carry_out(self, t: Tracked, plan: Plan) -> None:
        self.started.append((self.iteration, t.guid, plan))
        t.state = replace(t.state, checking=False)

    def _retry(self, t: Tracked) -> None:
        raise AssertionError(f"{t.guid} has a copy: no first load to retry")


def fleet(service: Recording, clock: FakeClock) -> list[str]:
    """``FLEET`` restaurants with a copy, every check and stock poll due now."""
    guids = [f"r{i:04d}" for i in range(FLEET)]
    for guid in guids:
        t = service.tracked[guid] = Tracked.asked(guid, clock.monotonic())
        t.state = replace(t.state, pinned=True, has_view=True)
    return guids


async def settle(rounds: int = 200) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def test_a_tick_with_1000_due_starts_them_in_bounded_batches() -> None:
    """1,000 due restaurants start 25 per loop iteration (40 batches), each once, in order,
    with the plan the pure decision gave (check and stock)."""
    clock = FakeClock()
    service = Recording(clock)
    guids = fleet(service, clock)
    service.loop.tick()
    assert service.started == []  # nothing starts inside the tick's own step
    await settle()
    assert [g for _, g, _ in service.started] == guids
    per_iteration: dict[int, int] = {}
    for it, _, _ in service.started:
        per_iteration[it] = per_iteration.get(it, 0) + 1
    assert max(per_iteration.values()) == START_BATCH
    assert len(per_iteration) == FLEET // START_BATCH == service.loop.starts.batches
    assert all(p == Plan(check=True, stock=True) for _, _, p in service.started)


async def test_the_loops_tick_decides_a_bounded_batch_per_iteration() -> None:
    """The running service decides 100 restaurants per loop iteration, then yields: with
    1,000 tracked, no restaurant of the second batch is marked before the first yield."""
    clock = FakeClock()
    service = Recording(clock)
    guids = fleet(service, clock)
    ticking = asyncio.ensure_future(service.loop.tick_in_batches())
    await asyncio.sleep(0)  # the task's first step: one batch of decisions
    marked = [g for g in guids if service.tracked[g].state.checking]
    assert marked == guids[:DECIDE_BATCH]
    await ticking
    await settle()
    assert sorted(g for _, g, _ in service.started) == guids


async def test_a_tick_while_a_batch_waits_starts_nothing_twice() -> None:
    """A restaurant queued by one tick but not started yet is not queued again by the next."""
    clock = FakeClock()
    service = Recording(clock)
    fleet(service, clock)
    service.loop.tick()
    await asyncio.sleep(0)  # one batch started, the rest still queued
    service.loop.tick()
    await settle()
    assert len(service.started) == FLEET
    assert len({g for _, g, _ in service.started}) == FLEET


async def test_closing_the_starter_drops_what_has_not_started() -> None:
    """A service stopping mid-spread starts nothing more."""
    begun: list[int] = []
    starter = Starter(batch=2)
    for i in range(10):
        starter.start(partial(begun.append, i))
    await asyncio.sleep(0)
    starter.close()
    await settle(20)
    assert begun == [0, 1] and starter.queued == 0


async def test_the_starter_keeps_at_most_limit_tasks_unfinished() -> None:
    """With a limit of 10, only 10 begun tasks run at once; each one ending lets the next
    start, and every one starts in order."""
    release = asyncio.Event()
    begun: list[int] = []

    async def work(i: int) -> None:
        begun.append(i)
        await release.wait()

    starter = Starter(batch=25, limit=10)
    for i in range(40):
        starter.start(partial(asyncio.ensure_future, work(i)))
    await settle(20)
    assert begun == list(range(10)) and starter.queued == 30
    release.set()
    await settle(50)
    assert begun == list(range(40)) and starter.queued == 0
    assert starter.most_running == 10
