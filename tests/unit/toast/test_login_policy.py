"""Login budget and backoff bookkeeping, without HTTP."""

from __future__ import annotations

from app.clock import FakeClock
from app.toast.login_policy import LoginPolicy


async def test_budget_applies_while_a_valid_token_exists() -> None:
    """Two logins in the last hour exhaust a 2/hour budget until the oldest is an hour old."""
    clock = FakeClock()
    policy = LoginPolicy(clock, logins_per_hour=2)
    policy.attempted()
    await clock.advance(600)
    policy.attempted()
    assert policy.wait(valid_token=True) == 3000
    await clock.advance(3000)
    assert policy.wait(valid_token=True) <= 0


async def test_no_valid_token_goes_beyond_the_budget() -> None:
    """Without a valid token the hourly budget does not stop a login."""
    clock = FakeClock()
    policy = LoginPolicy(clock, logins_per_hour=1)
    policy.attempted()
    policy.attempted()
    assert policy.wait(valid_token=False) <= 0


async def test_floor_after_a_token_unusable_on_arrival() -> None:
    """A login that returned an already-unusable token holds the next no-token login 60 s."""
    clock = FakeClock()
    policy = LoginPolicy(clock, logins_per_hour=2)
    policy.succeeded(usable=False)
    await clock.advance(10)
    assert policy.wait(valid_token=False) == 50
    assert policy.wait(valid_token=False, floor=False) <= 0
    policy.succeeded(usable=True)
    assert policy.wait(valid_token=False) <= 0


def test_rejected_credentials_back_off_from_30_s_doubling() -> None:
    """Rejected credentials wait 30, 60, 120 s ... capped at an hour; success resets."""
    policy = LoginPolicy(FakeClock(), logins_per_hour=2)
    delays = [policy.failed(credentials_rejected=True) for _ in range(9)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays[-1] == 3600
    policy.succeeded(usable=True)
    assert policy.backoff_left() == 0


def test_unavailable_backs_off_from_10_s_and_honours_at_least() -> None:
    """Toast being down waits 10, 20 ... s, and never less than a 429's Retry-After."""
    policy = LoginPolicy(FakeClock(), logins_per_hour=2)
    assert policy.failed(credentials_rejected=False) == 10
    assert policy.failed(credentials_rejected=False) == 20
    assert policy.failed(credentials_rejected=False, at_least=300) == 300


async def test_attempts_survive_a_restart_as_wall_times() -> None:
    """Attempts saved as UNIX times count against the budget of a new process."""
    clock = FakeClock()
    old = LoginPolicy(clock, logins_per_hour=2)
    old.attempted()
    await clock.advance(100)
    old.attempted()
    saved = old.wall_times()
    new = LoginPolicy(clock, logins_per_hour=2)
    new.restore([*saved, clock.now() - 7200])
    assert new.in_last_hour() == 2
    assert new.wait(valid_token=True) == 3500
