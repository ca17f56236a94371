"""Renders paced so the event loop keeps answering screens.

Building a view (flatten, JSON, CSV, ETag) takes a few milliseconds for a
typical menu; at a time-specific price boundary, or when Toast fails for every
restaurant at once, a thousand of them are due together. Run back to back they
would hold the loop for most of a second with no screen answered. The pacer
runs them one after another in slices of at most ``budget`` seconds and yields
to the loop between slices; a render too big for any slice (a menu of
megabytes) runs in a worker thread instead, where the interpreter switches back
to the loop every few milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

BUDGET = 0.010
"""Seconds of rendering per loop iteration (a slice ends after the job that crosses it)."""
HEAVY_ROWS = 1500
"""Menus with more rows than this render in a thread: one of them alone is > 20 ms."""


async def _next_iteration() -> None:
    await asyncio.sleep(0)


class Pacer:
    def __init__(
        self,
        budget: float = BUDGET,
        *,
        timer: Callable[[], float] = time.perf_counter,
        pause: Callable[[], Awaitable[None]] = _next_iteration,
    ) -> None:
        self.budget = budget
        self._timer = timer
        self._pause = pause
        self._queue: deque[tuple[Callable[[], Any], asyncio.Future[Any]]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self.slices = 0
        """Slices run so far (each followed by a yield to the loop)."""
        self.longest = 0.0
        """The longest slice so far, in seconds of ``timer``."""

    async def run(self, job: Callable[[], T], *, heavy: bool = False) -> T:
        """``job()``'s result, computed in turn with the other queued jobs."""
        if heavy:
            return await asyncio.to_thread(job)
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((job, fut))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._drain())
        return await fut

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def _drain(self) -> None:
        while self._queue:
            start = self._timer()
            while self._queue and self._timer() - start < self.budget:
                job, fut = self._queue.popleft()
                if fut.cancelled():
                    continue
                try:
                    fut.set_result(job())
                except Exception as exc:  # the caller gets it, the pacer goes on
                    fut.set_exception(exc)
            self.slices += 1
            self.longest = max(self.longest, self._timer() - start)
            await self._pause()
