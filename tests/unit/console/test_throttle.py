"""The sign-in throttle on an injected clock: free tries, slowed tries, then 429 for a while."""

from __future__ import annotations

from app.clock import FakeClock
from app.console.throttle import FORGET_AFTER, LOCK_SECONDS, Throttle, Verdict


def test_a_few_wrong_keys_are_answered_at_once() -> None:
    """The first three attempts wait nothing (typos happen)."""
    throttle = Throttle(FakeClock())
    assert [throttle.attempt("10.0.0.9") for _ in range(3)] == [Verdict()] * 3


def test_then_attempts_are_slowed_and_then_refused() -> None:
    """Attempts four and five wait 1 s and 2 s; the sixth is refused for the lock time."""
    throttle = Throttle(FakeClock())
    verdicts = [throttle.attempt("10.0.0.9") for _ in range(6)]
    assert [v.delay for v in verdicts[3:5]] == [1.0, 2.0]
    assert verdicts[5].refused_for == LOCK_SECONDS


async def test_a_refused_client_stays_refused_until_the_lock_ends() -> None:
    """While locked every attempt (even with the right key) is refused, with the time
    left; once the lock has passed the client starts again from zero."""
    clock = FakeClock()
    throttle = Throttle(clock)
    for _ in range(6):
        throttle.attempt("10.0.0.9")
    await clock.advance(LOCK_SECONDS - 60)
    assert throttle.attempt("10.0.0.9").refused_for == 60
    await clock.advance(61)
    assert throttle.attempt("10.0.0.9") == Verdict()


def test_other_clients_are_not_slowed() -> None:
    """One address locked out does not slow or refuse another."""
    throttle = Throttle(FakeClock())
    for _ in range(6):
        throttle.attempt("10.0.0.9")
    assert throttle.attempt("10.0.0.10") == Verdict()


def test_the_right_key_clears_the_count() -> None:
    """After a successful sign-in the client's earlier failures no longer count."""
    throttle = Throttle(FakeClock())
    for _ in range(4):
        throttle.attempt("10.0.0.9")
    throttle.succeeded("10.0.0.9")
    assert throttle.attempt("10.0.0.9") == Verdict()


def test_a_parallel_burst_is_counted_before_any_answer() -> None:
    """Attempts count when they start, so a burst sent at once is refused past the
    limit (they cannot all see a clean record)."""
    throttle = Throttle(FakeClock())
    burst = [throttle.attempt("10.0.0.9") for _ in range(50)]
    assert sum(v.refused_for > 0 for v in burst) == 45


async def test_a_quiet_client_is_forgiven() -> None:
    """Failures older than the forget time (and not locked) are dropped."""
    clock = FakeClock()
    throttle = Throttle(clock)
    for _ in range(5):
        throttle.attempt("10.0.0.9")
    await clock.advance(FORGET_AFTER + 1)
    assert throttle.attempt("10.0.0.9") == Verdict()
