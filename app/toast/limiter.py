"""Upstream rate limiter: what the relay may send to Toast, and when.

Toast allows ``GET /menus`` once per second per location and 20 requests per
second per client (NOTES §5.1). The limiter keeps the relay under both, and
after a 429 holds back the scope Toast named until its reset time. Waiting is
done on the injected clock, so tests drive it with ``FakeClock.advance``.

Checking and recording a send happen with no ``await`` in between, so the
budget holds under any number of concurrent callers on one event loop.
"""

from __future__ import annotations

import re
from collections import deque

from app.clock import Clock

# Requests without Toast-Restaurant-External-ID are counted by Toast per IP
# (partners API, login), so a 429 on one of them holds back only that kind.
_NO_RESTAURANT = "*"
_MENUS_PATH = re.compile(r"/menus/v\d+/menus/?$")
_WINDOW = 1.0


def is_menus_endpoint(path: str) -> bool:
    """True for Toast's full-menu endpoint, the one limited to 1/s per location."""
    return bool(_MENUS_PATH.search(path))


class UpstreamLimiter:
    """Per-location ``/menus`` spacing, a global sliding one-second budget, and 429 holds."""

    def __init__(self, clock: Clock, global_per_second: int = 20, menus_interval: float = 1.0):
        if global_per_second < 1:
            raise ValueError("global_per_second must be at least 1")
        self._clock = clock
        self._per_second = global_per_second
        self._menus_interval = menus_interval
        self._sent: deque[float] = deque()
        self._last_menus: dict[str, float] = {}
        self._blocked: dict[str, float] = {}
        self._waiting = 0
        self._waits = 0

    async def acquire(self, endpoint: str, restaurant: str | None) -> None:
        """Return once a request to ``endpoint`` for ``restaurant`` may be sent, and count it."""
        menus = is_menus_endpoint(endpoint)
        waited = False
        while True:
            now = self._clock.monotonic()
            delay = self._delay(now, menus, restaurant)
            if delay <= 0:
                self._record(now, menus, restaurant)
                return
            if not waited:
                self._waits += 1
                waited = True
            self._waiting += 1
            try:
                await self._clock.sleep(delay)
            finally:
                self._waiting -= 1

    def block_until(self, until_monotonic: float, restaurant: str | None) -> None:
        """After a 429: send nothing for ``restaurant`` (or restaurant-less calls) until then."""
        key = restaurant or _NO_RESTAURANT
        self._blocked[key] = max(self._blocked.get(key, 0.0), until_monotonic)

    def state(self) -> dict[str, object]:
        """Budget figures for /admin/status."""
        now = self._clock.monotonic()
        self._expire(now)
        return {
            "globalPerSecond": self._per_second,
            "sentLastSecond": len(self._sent),
            "menusInterval": self._menus_interval,
            "waiting": self._waiting,
            "throttledTotal": self._waits,
            "blocked": {
                key: round(until - now, 3)
                for key, until in sorted(self._blocked.items())
                if until > now
            },
        }

    def _delay(self, now: float, menus: bool, restaurant: str | None) -> float:
        self._expire(now)
        delay = self._blocked.get(restaurant or _NO_RESTAURANT, 0.0) - now
        if len(self._sent) >= self._per_second:
            delay = max(delay, self._sent[0] + _WINDOW - now)
        if menus and restaurant is not None and restaurant in self._last_menus:
            delay = max(delay, self._last_menus[restaurant] + self._menus_interval - now)
        return delay

    def _record(self, now: float, menus: bool, restaurant: str | None) -> None:
        self._sent.append(now)
        if menus and restaurant is not None:
            self._last_menus[restaurant] = now

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - _WINDOW:
            self._sent.popleft()
        # Forget spacing and holds that no longer constrain anything, so the
        # maps stay as small as the set of recently active locations.
        if len(self._last_menus) > 64:
            horizon = now - self._menus_interval
            self._last_menus = {k: t for k, t in self._last_menus.items() if t > horizon}
        if self._blocked:
            self._blocked = {k: t for k, t in self._blocked.items() if t > now}
