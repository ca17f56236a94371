"""Cache and refresh decisions as pure functions: data in, data out, no I/O, no clock reads."""

from __future__ import annotations

import random

from app.backoff import Backoff
from app.errors import ToastError, ToastRateLimited

FIRST_RETRY = 5.0
"""Seconds before the first check after a failure; each further failure doubles it."""
CHECK_JITTER = (0.9, 1.1)
"""±10 %, so many relays do not retry in step."""


def menus_changed(cached_last_updated: str | None, metadata_last_updated: str) -> bool:
    """Fetch /menus only when metadata's ``lastUpdated`` differs from the copy we hold.

    Toast: call /menus only if metadata says the data changed; string inequality is
    the documented way to detect a change (docs/toast-api.md, metadata before menus).
    """
    return cached_last_updated != metadata_last_updated


def failure_delay(
    interval: float, failures: int, error: BaseException | None = None, *, rng: random.Random
) -> float:
    """Seconds until the next check after ``failures`` failures in a row.

    Exponential (5 s, 10 s, 20 s …) as Toast asks for 5xx, with ±10 % jitter so
    many relays do not retry in step, but never longer than the check interval
    itself: after an outage of any length the next change shows within one
    interval of Toast's recovery. A 429 waits at least as long as Toast asked.
    """
    asked = error.retry_after if isinstance(error, ToastRateLimited) else 0.0
    return Backoff(FIRST_RETRY, interval, CHECK_JITTER).delay(failures, rng, at_least=asked)


def is_idle(last_requested: float, now: float, idle_after: float, pinned: bool) -> bool:
    """A restaurant nobody asked for in ``idle_after`` seconds stops being polled.

    Restaurants listed in ``RELAY_RESTAURANTS`` are pinned and never go idle.
    """
    return not pinned and now - last_requested > idle_after


def servable(checked_at: float, now: float, stale_max: float) -> bool:
    """The last good copy may be served until ``stale_max`` after Toast last confirmed it."""
    return now - checked_at <= stale_max


def is_empty_regression(previous_rows: int, new_rows: int) -> bool:
    """A menu with zero items where the last one had items is treated as a failure."""
    return previous_rows > 0 and new_rows == 0


def error_text(exc: BaseException) -> str:
    """A one-line, secret-free description for status pages and logs."""
    if isinstance(exc, ToastError):
        return f"{exc.error}: {exc.detail}"
    return f"{type(exc).__name__}: {exc}"[:300]


RECHECK_DELAYS = (2.0, 5.0, 15.0, 30.0, 60.0)
"""After a ``menus_updated``, how long to wait before each new try when ``/menus`` still
serves an older document (Toast builds it after a delay that grows with menu size)."""


def is_current(last_updated: float | None, published_at: float | None) -> bool:
    """The fetched document is at least as new as the webhook's ``publishedDate``.

    An unreadable date on either side counts as current: one fetch, no retries.
    """
    return last_updated is None or published_at is None or last_updated >= published_at


def recheck_delay(step: int) -> float | None:
    """Seconds before try ``step`` (0-based) for a newer document; None: stop trying."""
    return RECHECK_DELAYS[step] if step < len(RECHECK_DELAYS) else None
