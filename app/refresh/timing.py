"""How long the menu service waits and how often it checks: one settings object its parts
share, read when they decide (a budget planner may replace ``intervals`` at run time)."""

from __future__ import annotations

from collections.abc import Callable

from app.clock import Clock
from app.refresh.decide import Intervals, Now

TICK = 0.25
"""Seconds between looks at which restaurants are due (cheap: no I/O unless one is)."""
FIRST_LOAD_WAIT = 10.0
"""Longest a screen waits for a first load before a 503 with Retry-After (never a hang)."""


class Timing:
    def __init__(
        self, *, refresh_interval: float, stock_interval: float, stale_max: float,
        idle_after: float, not_found_ttl: float, first_load_wait: float = FIRST_LOAD_WAIT,
        intervals: Callable[[str], Intervals] | None = None,
    ) -> None:
        self.refresh_interval = refresh_interval
        self.stock_interval = stock_interval
        self.stale_max = stale_max
        """The last good copy is served until this long after Toast last confirmed it."""
        self.idle_after = idle_after
        """A restaurant nobody asked for this long stops being polled (unless configured)."""
        self.not_found_ttl = not_found_ttl
        """How long "Toast does not give this relay that restaurant" is remembered."""
        self.first_load_wait = first_load_wait
        fixed = Intervals(refresh_interval, stock_interval)
        self.intervals: Callable[[str], Intervals] = intervals or (lambda guid: fixed)
        """Each restaurant's effective intervals (a budget planner may replace this)."""


def now_of(clock: Clock) -> Now:
    """Both of the clock's readings at once, as the pure decisions take them."""
    return Now(clock.monotonic(), clock.now())
