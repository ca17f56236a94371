"""Toast's rate limits as the sim enforces them (docs/toast-api.md, rate limits).

Per API client (``client``): 20 requests per second and 10,000 per 15 minutes
over everything it sends. Per restaurant (``key``, or the client IP without the
``Toast-Restaurant-External-ID`` header): 20 requests per second. ``GET /menus``:
1 request per second per restaurant. Global wins over endpoint (same page), so the
client and restaurant limits are checked first; a refusal is a 429 whose
``Retry-After`` is the whole seconds until the limit named in
``X-Toast-RateLimit-By`` lets a request through again. Every limit can be turned
off with ``None``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from app.clock import Clock

WINDOW = 1.0
CLIENT_WINDOW = 900.0


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


def _refuse(by: str, wait: float) -> Decision:
    return Decision(False, by, 0, wait, max(1, math.ceil(wait)))


class _Window:
    """Admitted requests in a sliding window of ``span`` seconds, at most ``limit``."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self._hits: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0 if one more request fits now, else seconds until one does."""
        while self._hits and now - self._hits[0] >= self.span:
            self._hits.popleft()
        if len(self._hits) < self.limit:
            return 0.0
        return max(self._hits[0] + self.span - now, 1e-6)

    def idle(self, now: float) -> bool:
        """No admitted request is left in the window."""
        return not self._hits or now - self._hits[-1] >= self.span

    def remaining(self) -> int:
        return self.limit - len(self._hits)

    def add(self, now: float) -> None:
        self._hits.append(now)


class RateLimiter:
    def __init__(self, clock: Clock, per_second: int | None = 20,
                 menus_interval: float | None = 1.0, *, client_per_second: int | None = 20,
                 client_per_window: int | None = 10_000) -> None:
        self._clock = clock
        self.per_second = per_second
        self.menus_interval = menus_interval
        self.client_per_second = client_per_second
        self.client_per_window = client_per_window
        self._hits: dict[str, _Window] = {}
        self._clients: dict[str, list[_Window]] = {}
        self._last_menus: dict[str, float] = {}
        self._pruned = 0.0

    def check(self, key: str, endpoint: str, client: str | None = None) -> Decision:
        """Admit or refuse one request; an admitted request is counted everywhere it counts."""
        now = self._clock.monotonic()
        if now - self._pruned >= WINDOW:
            self._prune(now)
        windows = self._client_windows(client) if client is not None else []
        if self.per_second is not None:
            windows.append(self._hits.setdefault(key, _Window(self.per_second, WINDOW)))
        for window in windows:
            wait = window.wait(now)
            if wait > 0:
                return _refuse("GLOBAL", wait)
        last = self._last_menus.get(key)
        if endpoint == "menus" and self.menus_interval is not None and last is not None \
                and now - last < self.menus_interval:
            return _refuse("ENDPOINT", last + self.menus_interval - now)
        for window in windows:
            window.add(now)
        if endpoint == "menus":
            self._last_menus[key] = now
            return Decision(True, "ENDPOINT", 0, self.menus_interval or WINDOW, 0)
        if not windows:
            return Decision(True, "GLOBAL", 1_000_000, WINDOW, 0)
        closest = min(windows, key=lambda w: w.remaining())
        return Decision(True, "GLOBAL", closest.remaining(), closest.span, 0)

    def _prune(self, now: float) -> None:
        """Forget restaurants with no request in the last second: their window is empty
        anyway, and a fleet of thousands then keeps only the few active ones."""
        self._pruned = now
        for key in [k for k, w in self._hits.items() if w.idle(now)]:
            del self._hits[key]
        for key in [k for k, t in self._last_menus.items()
                    if self.menus_interval is None or now - t >= self.menus_interval]:
            del self._last_menus[key]

    def reset(self) -> None:
        self._hits.clear()
        self._clients.clear()
        self._last_menus.clear()

    def _client_windows(self, client: str) -> list[_Window]:
        if client not in self._clients:
            self._clients[client] = [
                _Window(limit, span) for limit, span in (
                    (self.client_per_second, WINDOW), (self.client_per_window, CLIENT_WINDOW))
                if limit is not None]
        return list(self._clients[client])
