"""Time, injected: production uses ``SystemClock``; tests use ``FakeClock`` and never sleep."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime
from typing import Protocol


def iso_utc(ts: float) -> str:
    """UNIX seconds → ``2026-11-22T13:40:02Z`` (what status pages and answers show)."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock time in UNIX seconds (for token expiry, timestamps)."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds (for intervals, budgets and limiters)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when told to; ``sleep`` returns once ``advance`` passes it.

    Wall and monotonic time move together; ``start`` sets the wall time.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._offset = start
        self._t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._offset + self._t

    def monotonic(self) -> float:
        return self._t

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._t + seconds, next(self._seq), fut))
        await fut

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting on this clock right now."""
        return sum(1 for *_, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking sleepers in deadline order and letting each run."""
        target = self._t + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, fut = heapq.heappop(self._sleepers)
            self._t = max(self._t, deadline)
            if not fut.done():
                fut.set_result(None)
            await _settle()
        self._t = target
        await _settle()


async def _settle(rounds: int = 20) -> None:
    """Let ready tasks run until they block again."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def parse_iso(value: str) -> float | None:
    """An ISO-8601 time with an offset (``…Z``, ``…+0000``, ``…+00:00``) → UNIX seconds.

    Toast writes ``lastUpdated`` as ``+0000`` and webhook dates as ``Z``; a value
    without an offset, or not a time at all, gives None rather than a guess.
    """
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None
