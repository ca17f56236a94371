"""Renders paced so the event loop keeps answering screens.

Building a view (flatten, JSON, CSV, ETag) takes a few milliseconds for a
typical menu; at a time-specific price boundary, or when Toast fails for every
restaurant at once, a thousand of them are due together. Run back to back they
would hold the loop for most of a second with no screen answered. The pacer
runs them one after another in slices of at most ``budget`` seconds and yields
to the loop between slices; a render too big for any slice (a menu of
megabytes) runs in the pacer's one render thread instead, where the interpreter
switches back to the loop every few milliseconds (but not during one C call:
decoding a large menu still holds the loop for its length, ~15 ms for 3,000 items,
see bench/loop_stall.py). One thread, not one per render: each more thread
running Python code takes the GIL from the loop in turn, so a price boundary
with many large menus would slow the loop down the more of them ran at once.

Deciding is paced as well (``DECIDE_BATCH`` restaurants per loop iteration), and
starting the work too: the refresh tick hands each restaurant's plan to a
``Starter``, which starts at most ``START_BATCH`` per loop iteration. Every task
started runs its first step (taking the lock, queueing its render) in the
iteration after, so a thousand started at once would hold that one iteration.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

BUDGET = 0.006
"""Seconds of rendering per loop iteration: a slice starts no job that the slowest one
of the slice so far would carry past it (the first job of a slice always runs). A
150-item re-price takes ~4.5 ms, so a slice is one of them: the loop iteration it runs
in also carries the checks' own steps (~1–2 ms each, httpx included), and the 20 ms an
iteration may take at 1,000 restaurants must hold all of it."""
START_BATCH = 25
"""Plans the tick starts per loop iteration (a first step takes ~0.1 ms: a few ms a batch)."""
IN_FLIGHT = 50
"""Tasks the tick's starts may have unfinished at once (they wait on the pacer or on
Toast's limiter, which let only a few through at a time anyway)."""
DECIDE_BATCH = 100
"""Restaurants the refresh tick decides for per loop iteration (a decision takes
microseconds; the tick runs every 0.25 s over every restaurant)."""
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
        self._thread: ThreadPoolExecutor | None = None
        self.heavy = 0
        """Heavy renders run so far (in the render thread)."""

    async def run(self, job: Callable[[], T], *, heavy: bool = False) -> T:
        """``job()``'s result, computed in turn with the other queued jobs (``heavy``: in
        the render thread, one after another)."""
        if heavy:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="render")
            self.heavy += 1
            return await asyncio.get_running_loop().run_in_executor(self._thread, job)
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
            start = end = self._timer()
            slowest = 0.0
            while self._queue and end - start + slowest <= self.budget:
                job, fut = self._queue.popleft()
                if fut.cancelled():
                    continue
                try:
                    fut.set_result(job())
                except Exception as exc:  # the caller gets it, the pacer goes on
                    fut.set_exception(exc)
                began, end = end, self._timer()
                slowest = max(slowest, end - began)
            self.slices += 1
            self.longest = max(self.longest, end - start)
            await self._pause()


class Starter:
    """Calls the ``begin`` functions handed to it, ``batch`` per loop iteration, in order,
    with at most ``limit`` of the tasks they return unfinished at a time.

    The limit keeps a price boundary from holding a thousand checks in flight, each a
    task with its frames and futures waiting on the pacer or Toast's limiter: they
    finish no sooner that way, and every full garbage collection meanwhile rescans
    them all (the collection is what held the loop longest at 1,000 restaurants).
    """

    def __init__(self, batch: int = START_BATCH, limit: int = IN_FLIGHT, *,
                 pause: Callable[[], Awaitable[None]] = _next_iteration) -> None:
        self.batch = batch
        self.limit = limit
        self._pause = pause
        self._queue: deque[Callable[[], object]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._running = 0
        self._room: asyncio.Event | None = None
        self.batches = 0
        """Batches started so far (each followed by a yield to the loop)."""
        self.largest = 0
        """The most begun in one batch."""
        self.most_running = 0
        """The most tasks begun here and unfinished at one time."""

    def start(self, begin: Callable[[], object]) -> None:
        """Call ``begin()`` in turn: now if few are waiting, else after a few iterations.
        If it returns a task, the task counts against ``limit`` until it is done."""
        self._queue.append(begin)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._drain())

    @property
    def queued(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        """Forget what has not started yet (the service is stopping)."""
        self._queue.clear()
        if self._worker is not None:
            self._worker.cancel()

    def _finished(self, _: object) -> None:
        self._running -= 1
        if self._room is not None:
            self._room.set()

    async def _drain(self) -> None:
        while self._queue:
            began = 0
            while self._queue and began < self.batch and self._running < self.limit:
                started = self._queue.popleft()()
                began += 1
                if isinstance(started, asyncio.Future):
                    self._running += 1
                    started.add_done_callback(self._finished)
            self.most_running = max(self.most_running, self._running)
            self.batches += 1
            self.largest = max(self.largest, began)
            await self._pause()
            while self._queue and self._running >= self.limit:
                self._room = self._room or asyncio.Event()
                self._room.clear()
                await self._room.wait()
