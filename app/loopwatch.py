"""How long the event loop is held: a timer that notes how late it wakes, and GC pauses.

A screen request waits as long as the loop is busy with something else
(rendering, a large JSON answer, a garbage collection). A task that sleeps
``every`` seconds and measures how late it woke sees every such stall longer
than that, cheaply; ``/metrics`` exports the lateness as a histogram and the
longest one seen. ``GcWatch`` times the garbage collector's own pauses, the
one stall no log line shows.

Lateness also counts time the host did not run the relay at all: on a busy
machine the loop thread, ready to go, waits for a CPU while other processes run.
Linux counts that wait per thread (``/proc/thread-self/schedstat``), so each
wake-up also reports how late it was *held*: its lateness less the loop
thread's wait for a CPU in the same interval, beyond the CPU time the relay's
other threads (compression, heavy renders, writers) used meanwhile, since the
loop may have waited behind those. What is left is the relay's own doing (its
work, a blocking call, its threads); on more than one core it over-counts,
never under-counts.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

EVERY = 0.05
SCHEDSTAT = "/proc/thread-self/schedstat"


def run_queue_seconds(schedstat: bytes) -> float:
    """The second field of a schedstat line (ns spent runnable, waiting for a CPU), in s."""
    return int(schedstat.split()[1]) / 1e9


class CpuWait:
    """How long the calling thread has waited for a CPU behind other processes so far, in
    seconds: its run-queue wait less the CPU time the process's other threads used (0
    where the kernel does not say). Open it on the thread it is to measure."""

    def __init__(self, path: str = SCHEDSTAT) -> None:
        self._last = 0.0
        try:
            self._fd: int | None = os.open(path, os.O_RDONLY)
        except OSError:
            self._fd = None

    def __call__(self) -> float:
        if self._fd is None:
            return 0.0
        try:
            waited = run_queue_seconds(os.pread(self._fd, 128, 0))
        except (OSError, ValueError, IndexError):
            return self._last  # a failed read must not end the loop watch
        self._last = waited - (time.process_time() - time.thread_time())
        return self._last

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class LoopWatch:
    def __init__(
        self,
        observe: Callable[[float, float], None],
        *,
        every: float = EVERY,
        sleep: Callable[[float], Awaitable[None]],
        timer: Callable[[], float] = time.perf_counter,
        cpu_wait: Callable[[], Callable[[], float]] = CpuWait,
    ) -> None:
        """``observe(late, held)`` gets each wake-up's lateness and the part of it the loop
        thread was not waiting for a CPU; ``cpu_wait()`` is called on the loop thread and
        returns that thread's wait-so-far reader."""
        self._observe = observe
        self._every = every
        self._sleep = sleep
        self._timer = timer
        self._cpu_wait = cpu_wait
        self.longest = 0.0

    def lateness(self, started: float) -> float:
        """Seconds past the wake-up due ``every`` after ``started`` (0 when on time)."""
        return max(0.0, self._timer() - started - self._every)

    async def run(self) -> None:
        """Measure until cancelled."""
        waited = self._cpu_wait()
        try:
            while True:
                started, waited_before = self._timer(), waited()
                await self._sleep(self._every)
                late = self.lateness(started)
                self.longest = max(self.longest, late)
                self._observe(late, max(0.0, late - max(0.0, waited() - waited_before)))
        finally:
            close = getattr(waited, "close", None)
            if close is not None:
                close()


class GcWatch:
    """Times each garbage collection (``gc.callbacks``) and reports it by generation."""

    def __init__(self, observe: Callable[[int, float], None],
                 timer: Callable[[], float] = time.perf_counter) -> None:
        self._observe = observe
        self._timer = timer
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = self._timer()
        else:
            self._observe(int(info.get("generation", 0)), self._timer() - self._started)

    def start(self) -> None:
        gc.callbacks.append(self)

    def stop(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)
