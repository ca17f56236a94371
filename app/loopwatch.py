"""How long the event loop is held: a timer that notes how late it wakes, and GC pauses.

A screen request waits as long as the loop is busy with something else
(rendering, a large JSON answer, a garbage collection). A task that sleeps
``every`` seconds and measures how late it woke sees every such stall longer
than that, cheaply; ``/metrics`` exports the lateness as a histogram and the
longest one seen. ``GcWatch`` times the garbage collector's own pauses, the
one stall no log line shows.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

EVERY = 0.05


class LoopWatch:
    def __init__(
        self,
        observe: Callable[[float], None],
        *,
        every: float = EVERY,
        sleep: Callable[[float], Awaitable[None]],
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._observe = observe
        self._every = every
        self._sleep = sleep
        self._timer = timer
        self.longest = 0.0

    def lateness(self, started: float) -> float:
        """Seconds past the wake-up due ``every`` after ``started`` (0 when on time)."""
        return max(0.0, self._timer() - started - self._every)

    async def run(self) -> None:
        """Measure until cancelled."""
        while True:
            started = self._timer()
            await self._sleep(self._every)
            late = self.lateness(started)
            self.longest = max(self.longest, late)
            self._observe(late)


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
