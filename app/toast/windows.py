"""Counting sends in sliding windows, so several replicas can share one Toast budget.

``take(key, limits)`` counts one send under every ``(limit, window)`` pair at once, or
none of them, and says how long to wait when a window is full. ``LocalWindows`` counts
in this process (on the injected clock); ``RedisWindows`` (``app/toast/redis_windows.py``)
counts in Redis on Redis's own clock, so hosts whose clocks differ still agree.
"""

from __future__ import annotations

import abc
from collections import deque
from collections.abc import Sequence

from app.clock import Clock

Limit = tuple[int, float]
"""At most ``count`` sends in any ``window`` seconds."""


class Windows(abc.ABC):
    shared = False

    @abc.abstractmethod
    async def take(self, key: str, limits: Sequence[Limit]) -> float:
        """Count one send under ``key`` if every limit allows it (return 0.0), else count
        nothing and return the seconds until the fullest window has room."""


class LocalWindows(Windows):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._sent: dict[tuple[str, float], deque[float]] = {}

    async def take(self, key: str, limits: Sequence[Limit]) -> float:
        return self.take_now(key, limits)

    def take_now(self, key: str, limits: Sequence[Limit]) -> float:
        """``take`` without awaiting (callers on one event loop need no lock)."""
        now = self._clock.monotonic()
        wait = 0.0
        for count, window in limits:
            sent = self._sent.setdefault((key, window), deque())
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) >= count:
                wait = max(wait, sent[len(sent) - count] + window - now)
        if wait > 0:
            return wait
        for _, window in limits:
            self._sent[(key, window)].append(now)
        return 0.0

    def count(self, key: str, window: float) -> int:
        now = self._clock.monotonic()
        return sum(1 for t in self._sent.get((key, window), ()) if t > now - window)
