"""Toast's rate limits as the sim enforces them (NOTES §5).

Global: 20 requests per second, counted per restaurant when the
``Toast-Restaurant-External-ID`` header is sent, else per client IP.
``GET /menus``: 1 request per second per restaurant. Global wins over endpoint.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from app.clock import Clock

WINDOW = 1.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    by: str  # GLOBAL or ENDPOINT, like X-Toast-RateLimit-By
    remaining: int
    reset_in: float
    retry_after: int

    def headers(self, now: float) -> dict[str, str]:
        out = {"X-Toast-RateLimit-By": self.by,
               "X-Toast-RateLimit-Remaining": str(self.remaining),
               "X-Toast-RateLimit-Reset": str(math.ceil(now + self.reset_in))}
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


class RateLimiter:
    def __init__(self, clock: Clock, per_second: int | None = 20,
                 menus_interval: float | None = 1.0) -> None:
        self._clock = clock
        self.per_second = per_second
        self.menus_interval = menus_interval
        self._hits: dict[str, deque[float]] = {}
        self._last_menus: dict[str, float] = {}

    def check(self, key: str, endpoint: str) -> Decision:
        """Admit or refuse one request; an admitted request is counted."""
        now = self._clock.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if self.per_second is not None and len(hits) >= self.per_second:
            wait = hits[0] + WINDOW - now
            return Decision(False, "GLOBAL", 0, wait, max(1, math.ceil(wait)))
        last = self._last_menus.get(key)
        if endpoint == "menus" and self.menus_interval is not None and last is not None \
                and now - last < self.menus_interval:
            wait = last + self.menus_interval - now
            return Decision(False, "ENDPOINT", 0, wait, max(1, math.ceil(wait)))
        hits.append(now)
        if endpoint == "menus":
            self._last_menus[key] = now
            return Decision(True, "ENDPOINT", 0, self.menus_interval or WINDOW, 0)
        remaining = (self.per_second - len(hits)) if self.per_second is not None else 1_000_000
        return Decision(True, "GLOBAL", remaining, WINDOW, 0)

    def reset(self) -> None:
        self._hits.clear()
        self._last_menus.clear()
