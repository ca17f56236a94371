"""Refresh decisions: when to fetch, how long to back off, when to stop polling."""

from __future__ import annotations

import random

import pytest

from app.errors import ToastRateLimited, ToastUnavailable
from app.refresh import policy


@pytest.mark.parametrize(("cached", "meta", "fetch"), [
    (None, "2025-02-15T12:30:00.000+0000", True),
    ("2025-02-15T12:30:00.000+0000", "2025-02-15T12:30:00.000+0000", False),
    ("2025-02-15T12:30:00.000+0000", "2025-02-15T12:31:00.000+0000", True),
])
def test_menus_fetched_only_on_change(cached: str | None, meta: str, fetch: bool) -> None:
    """/menus is fetched only when metadata's lastUpdated differs from the held copy."""
    assert policy.menus_changed(cached, meta) is fetch


@pytest.mark.parametrize(("failures", "low", "high"), [
    (1, 4.5, 5.5), (2, 9, 11), (3, 18, 22), (4, 36, 44), (10, 54, 60)])
def test_backoff_is_exponential_with_jitter(failures: int, low: float, high: float) -> None:
    """Delays double per failure from 5 s, ±10 % jitter, capped at the 60 s interval."""
    rng = random.Random(1)
    delays = [policy.failure_delay(60, failures, ToastUnavailable("x"), rng=rng)
              for _ in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1


def test_rate_limit_waits_as_asked() -> None:
    """A 429 waits at least Toast's Retry-After even on the first failure."""
    exc = ToastRateLimited("slow down", retry_after=300)
    assert policy.failure_delay(60, 1, exc, rng=random.Random(0)) >= 300


@pytest.mark.parametrize(("requested", "now", "pinned", "idle"), [
    (0, 86_399, False, False), (0, 86_401, False, True), (0, 10**7, True, False)])
def test_idle_restaurants_stop_polling(requested: float, now: float, pinned: bool,
                                       idle: bool) -> None:
    """Unrequested for 24 h means idle, except restaurants pinned in RELAY_RESTAURANTS."""
    assert policy.is_idle(requested, now, 86_400, pinned) is idle


def test_stale_copy_served_up_to_stale_max() -> None:
    """The last good copy stays servable until RELAY_STALE_MAX after Toast confirmed it."""
    assert policy.servable(0, 100, 100)
    assert not policy.servable(0, 101, 100)


@pytest.mark.parametrize(("before", "after", "bad"), [(10, 0, True), (0, 0, False),
                                                      (10, 3, False)])
def test_empty_menu_after_full_is_failure(before: int, after: int, bad: bool) -> None:
    """Zero items where there were some is a failure; zero after zero is not."""
    assert policy.is_empty_regression(before, after) is bad


@pytest.mark.parametrize("interval", [1.0, 60.0, 1800.0])
def test_backoff_never_exceeds_the_check_interval(interval: float) -> None:
    """However long Toast fails, the next check is at most one interval away."""
    rng = random.Random(2)
    delays = [policy.failure_delay(interval, n, ToastUnavailable("x"), rng=rng)
              for n in range(1, 40)]
    assert max(delays) <= interval
    assert delays[-1] >= interval * 0.9
