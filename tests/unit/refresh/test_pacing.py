"""Renders are spread over loop iterations; the loop watch reports how late it woke."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from app.loopwatch import CpuWait, GcWatch, LoopWatch, run_queue_seconds
from app.refresh.pacing import Pacer


class FakeTimer:
    """A timer that moves only when a job says how long it took."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def rig(budget: float = 0.010) -> tuple[Pacer, FakeTimer, list[list[int]]]:
    """A pacer on a fake timer; ``slices`` collects which jobs ran between two yields."""
    timer = FakeTimer()
    slices: list[list[int]] = [[]]

    async def pause() -> None:
        slices.append([])
        await asyncio.sleep(0)

    return Pacer(budget, timer=timer, pause=pause), timer, slices


def job(timer: FakeTimer, slices: list[list[int]], n: int, seconds: float) -> Callable[[], int]:
    def run() -> int:
        slices[-1].append(n)
        timer.t += seconds
        return n * 10
    return run


async def test_due_renders_are_spread_over_slices_within_the_budget() -> None:
    """1,000 renders of 4 ms each run 2 per slice (a third would end at 12 ms, past the
    10 ms budget), yielding between slices."""
    pacer, timer, slices = rig()
    results = await asyncio.gather(*(pacer.run(job(timer, slices, n, 0.004))
                                     for n in range(1000)))
    assert results == [n * 10 for n in range(1000)]
    ran = [s for s in slices if s]
    assert [n for s in ran for n in s] == list(range(1000))  # in the order asked
    assert max(len(s) for s in ran) == 2 and len(ran) == 500
    assert pacer.slices == 500 and pacer.longest == pytest.approx(0.008)


async def test_a_slice_starts_no_job_the_slowest_so_far_would_carry_past_the_budget() -> None:
    """After a 9 ms job a 10 ms slice ends (another like it would cross the budget); a job
    slower than any before it still runs, and a slice always runs at least one job."""
    pacer, timer, slices = rig(budget=0.010)
    sizes = [0.009, 0.009, 0.002, 0.015, 0.001, 0.001]
    await asyncio.gather(*(pacer.run(job(timer, slices, n, s)) for n, s in enumerate(sizes)))
    assert [s for s in slices if s] == [[0], [1], [2, 3], [4, 5]]


async def test_a_failing_render_reaches_its_caller_only() -> None:
    """A render that raises fails its own caller; the jobs after it still run."""
    pacer, timer, slices = rig()

    def broken() -> int:
        raise ValueError("bad menu")

    ok_before = pacer.run(job(timer, slices, 1, 0.001))
    bad = pacer.run(broken)
    ok_after = pacer.run(job(timer, slices, 2, 0.001))
    results = await asyncio.gather(ok_before, bad, ok_after, return_exceptions=True)
    assert results[0] == 10 and isinstance(results[1], ValueError) and results[2] == 20


async def test_a_heavy_render_runs_in_a_thread() -> None:
    """A render flagged heavy (a menu of megabytes) runs off the loop, in a worker thread."""
    import threading

    pacer, _, _ = rig()
    loop_thread = threading.get_ident()
    ran_in = await pacer.run(threading.get_ident, heavy=True)
    assert ran_in != loop_thread and pacer.slices == 0


async def _watch(steps: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(late, held) for each wake-up of a 50 ms loop watch whose sleeps took ``steps``:
    (wall seconds, of which seconds waiting for a CPU)."""
    timer, cpu_waited = FakeTimer(), FakeTimer()
    seen: list[tuple[float, float]] = []
    took = iter(steps)

    async def sleep(seconds: float) -> None:
        step = next(took, None)
        if step is None:
            raise asyncio.CancelledError
        timer.t += step[0]
        cpu_waited.t += step[1]

    watch = LoopWatch(lambda late, held: seen.append((late, held)), every=0.05, sleep=sleep,
                      timer=timer, cpu_wait=lambda: cpu_waited)
    with pytest.raises(asyncio.CancelledError):
        await watch.run()
    assert watch.longest == max(late for late, _ in seen)
    return seen


async def test_the_loop_watch_reports_lateness() -> None:
    """A 50 ms timer woken after 80 ms reports 0.03 s late; one woken on time, 0."""
    (on_time, none), (late, held) = await _watch([(0.05, 0.0), (0.08, 0.0)])
    assert (on_time, none, late, held) == pytest.approx((0.0, 0.0, 0.03, 0.03))


async def test_the_loop_watch_does_not_blame_the_relay_for_waiting_for_a_cpu() -> None:
    """Of 30 ms late, 20 ms waiting for a CPU leaves 10 ms held; a wait longer than the
    lateness leaves none; a wait that reads negative (the process's other threads ran
    more than the loop waited) takes nothing off."""
    (late, held), (late_again, none), (_, all_held) = await _watch(
        [(0.08, 0.02), (0.08, 0.05), (0.08, -0.01)])
    assert (late, held, late_again, none, all_held) == pytest.approx(
        (0.03, 0.01, 0.03, 0.0, 0.03))


def test_cpu_wait_reads_the_run_queue_field() -> None:
    """schedstat's second field is the ns spent waiting for a CPU; a missing file reads 0."""
    assert run_queue_seconds(b"820248854 752640460 208\n") == pytest.approx(0.75264046)
    missing = CpuWait("/nonexistent/schedstat")
    assert missing() == 0.0
    missing.close()


def test_the_gc_watch_times_each_collection() -> None:
    """A collection that took 12 ms is reported with its generation; the watch detaches."""
    import gc

    timer = FakeTimer()
    seen: list[tuple[int, float]] = []
    watch = GcWatch(lambda g, s: seen.append((g, s)), timer=timer)
    watch("start", {"generation": 2})
    timer.t += 0.012
    watch("stop", {"generation": 2})
    assert len(seen) == 1 and seen[0][0] == 2 and seen[0][1] == pytest.approx(0.012)
    watch.start()
    assert watch in gc.callbacks
    watch.stop()
    assert watch not in gc.callbacks


async def test_heavy_renders_run_off_the_loop_in_one_thread_one_at_a_time() -> None:
    """A heavy render runs in the pacer's render thread while the loop (and light renders)
    go on; several heavy ones queue for that one thread instead of running together."""
    pacer = Pacer()
    started, release = threading.Event(), threading.Event()
    running: list[int] = []
    most = 0

    def heavy(n: int) -> Callable[[], int]:
        def run() -> int:
            nonlocal most
            running.append(n)
            most = max(most, len(running))
            started.set()
            release.wait(10)  # only the loop can set it: this job is not on the loop
            running.remove(n)
            return threading.get_ident()
        return run

    tasks = [asyncio.ensure_future(pacer.run(heavy(n), heavy=True)) for n in range(3)]
    assert await asyncio.to_thread(started.wait, 10)
    assert await pacer.run(lambda: 7) == 7  # a light render is not held behind it
    release.set()
    threads = await asyncio.gather(*tasks)
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
    assert most == 1 and pacer.heavy == 3
