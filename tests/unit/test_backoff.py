"""The one backoff rule: doubling, cap, jitter from an injected source, the server's wait."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from app.backoff import Backoff, retry_after_seconds
from app.errors import ToastUnavailable
from app.refresh import policy


def test_delay_doubles_from_base_up_to_cap() -> None:
    """Without jitter the delays are base, 2·base, 4·base ... and then the cap."""
    backoff = Backoff(10.0, 60.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_retries_below_one_count_as_the_first() -> None:
    """A failure count of 0 waits the base delay, like the first retry."""
    assert Backoff(5.0, 60.0).delay(0) == 5


def test_jitter_scales_within_its_range_and_never_past_the_cap() -> None:
    """Jittered delays spread over ceiling×[low, high] and stay at most the cap."""
    backoff = Backoff(4.0, 10.0, (0.9, 1.1))
    rng = random.Random(3)
    first = [backoff.delay(1, rng) for _ in range(200)]
    assert all(3.6 <= d <= 4.4 for d in first) and len(set(first)) > 1
    assert all(9.0 <= backoff.delay(5, rng) <= 10.0 for _ in range(200))


def test_jitter_draws_once_per_delay() -> None:
    """Each delay takes exactly one draw, so a seeded source gives a repeatable schedule."""
    rng, twin = random.Random(7), random.Random(7)
    Backoff(1.0, 8.0, (0.5, 1.0)).delay(2, rng)
    twin.random()
    assert rng.random() == twin.random()


def test_no_rng_means_no_jitter() -> None:
    """Without a random source the delay is the ceiling itself."""
    assert Backoff(1.0, 8.0, (0.5, 1.0)).delay(3) == 4


def test_the_server_wait_is_a_floor() -> None:
    """A wait the server asked for wins over a shorter backoff, even past the cap."""
    backoff = Backoff(10.0, 60.0)
    assert backoff.delay(1, at_least=300) == 300
    assert backoff.delay(3, at_least=5) == 40


def test_endless_failures_stay_at_the_cap() -> None:
    """Thousands of failures in a row (a day-long outage) still give the cap, no overflow."""
    assert Backoff(5.0, 60.0, (0.9, 1.1)).delay(5000, random.Random(1)) <= 60
    assert Backoff(10.0, 600.0).delay(10**6) == 600
    assert policy.failure_delay(60, 2000, ToastUnavailable("x"), rng=random.Random(1)) <= 60


@pytest.mark.parametrize(("headers", "wait"), [
    ({"Retry-After": "5"}, 5.0),
    ({"Retry-After": "-3"}, 0.0),
    ({"X-Toast-RateLimit-Reset": "1000030"}, 30.0),
    ({"Retry-After": "soon", "X-Toast-RateLimit-Reset": "1000010"}, 10.0),
    ({"X-Toast-RateLimit-Reset": "later"}, None),
    ({}, None),
])
def test_server_wait_from_retry_after_or_toast_reset(headers: dict[str, str],
                                                      wait: float | None) -> None:
    """Retry-After in seconds comes first, then Toast's reset time; garbage is no hint."""
    assert retry_after_seconds(httpx.Headers(headers), now=1_000_000) == wait


def test_server_wait_as_an_http_date() -> None:
    """Retry-After may be an HTTP date: the wait is the time until then."""
    when = format_datetime(datetime.fromtimestamp(1_000_090, UTC), usegmt=True)
    assert retry_after_seconds(httpx.Headers({"Retry-After": when}), now=1_000_000) == 90
