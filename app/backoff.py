"""How long to wait before trying Toast again: one rule for every retry the relay makes.

Exponential from a base, capped, optionally jittered by an injected random source,
and never shorter than a wait the server asked for. The Toast client waits this
long between the attempts of one request, the token manager before the next login
after a failure, the refresh engine before the next check of a failing restaurant;
each keeps its own numbers. The delay is returned, never slept here: the client
sleeps on the injected clock, the others schedule the next try from their loop.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

NO_JITTER = (1.0, 1.0)
# 2.0 ** 1024 overflows a float; long before that many doublings every delay is at its cap,
# so a failure count that keeps growing through a long outage still yields the cap.
_MOST_DOUBLINGS = 1023


@dataclass(frozen=True)
class Backoff:
    """``base``·2ⁿ⁻¹ seconds before retry ``n`` (1-based), at most ``cap``.

    ``jitter`` = (low, high): the delay is that ceiling times a uniform draw from the
    range, so callers failing together do not retry together; it never exceeds ``cap``.
    """

    base: float
    cap: float
    jitter: tuple[float, float] = NO_JITTER

    def ceiling(self, retry: int) -> float:
        """The delay before retry ``retry`` without jitter (retries below 1 count as 1)."""
        doublings = min(max(0, retry - 1), _MOST_DOUBLINGS)
        return min(self.cap, self.base * 2.0 ** doublings)

    def delay(self, retry: int, rng: random.Random | None = None, *,
              at_least: float = 0.0) -> float:
        """Seconds before retry ``retry``; never less than ``at_least`` (the server's wait).

        Jitter draws once from ``rng``; without an ``rng`` (or with ``NO_JITTER``) the
        delay is the ceiling itself.
        """
        delay = self.ceiling(retry)
        low, high = self.jitter
        if rng is not None and (low, high) != NO_JITTER:
            delay = min(self.cap, delay * rng.uniform(low, high))
        return max(at_least, delay)


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds a 429 asks to wait: ``Retry-After`` (seconds or an HTTP date), else
    ``X-Toast-RateLimit-Reset`` (a UNIX time; docs/toast-api.md, rate limits); None if
    neither parses. ``headers`` looks names up case-insensitively (``httpx.Headers``)."""
    raw = headers.get("retry-after")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(raw).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = headers.get("x-toast-ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None
