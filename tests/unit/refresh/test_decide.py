"""The refresh rules as pure transitions: state, clock and event in, a plan out."""

from __future__ import annotations

import random

import pytest
from msgspec.structs import replace

from app.errors import ToastRateLimited, ToastUnavailable
from app.refresh import decide
from app.refresh.decide import NOTHING, Event, Intervals, Now, Plan, RefreshState

IDLE_AFTER = 86_400.0
IV = Intervals(refresh=60.0, stock=30.0)


def state(**kw: object) -> RefreshState:
    return replace(RefreshState(next_check=100.0, next_stock=100.0, has_view=True), **kw)


AT = Now(mono=50.0, wall=1_000.0)
LATER = Now(mono=100.0, wall=1_050.0)


@pytest.mark.parametrize(("s", "event", "now", "plan"), [
    # the timer: only what is due
    (state(), Event.TICK, AT, NOTHING),
    (state(), Event.TICK, LATER, Plan(check=True, stock=True)),
    (state(next_stock=200.0), Event.TICK, LATER, Plan(check=True)),
    (state(next_check=200.0), Event.TICK, LATER, Plan(stock=True)),
    (state(reprice_at=1_000.0), Event.TICK, AT, Plan(reprice=True)),
    (state(reprice_at=1_001.0), Event.TICK, AT, NOTHING),
    # one check at a time
    (state(checking=True), Event.TICK, LATER, NOTHING),
    # idle restaurants are dropped unless pinned
    (state(), Event.TICK, Now(IDLE_AFTER + 1, 0.0), Plan(drop=True)),
    (state(pinned=True, next_check=9e9, next_stock=9e9), Event.TICK,
     Now(IDLE_AFTER + 1, 0.0), NOTHING),
    # no copy yet: only pinned restaurants are retried by the loop, one load at a time
    (state(has_view=False), Event.TICK, LATER, NOTHING),
    (state(has_view=False, pinned=True), Event.TICK, LATER, Plan(first_load=True)),
    (state(has_view=False, pinned=True), Event.TICK, AT, NOTHING),
    (state(has_view=False, pinned=True, loading=True), Event.TICK, LATER, NOTHING),
    (state(has_view=False, pinned=True), Event.WEBHOOK, LATER, NOTHING),
    # events act now, whatever the schedule says
    (state(), Event.WEBHOOK, AT, Plan(fetch=True)),
    (state(checking=True), Event.WEBHOOK, AT, Plan(fetch=True)),
    (state(), Event.ADMIN, AT, Plan(check=True, fetch=True, stock=True)),
    (state(), Event.REMOTE, AT, Plan(reload=True)),
    (state(has_view=False), Event.REMOTE, AT, Plan(reload=True)),
])
def test_plan_for_state_and_event(s: RefreshState, event: Event, now: Now, plan: Plan) -> None:
    """Each event calls for exactly the actions in the table (last asked for at 0)."""
    assert decide.decide(s, event, now, IDLE_AFTER, last_requested=0.0) == plan


def test_a_recent_request_keeps_a_restaurant_polled() -> None:
    """A restaurant asked for within ``idle_after`` is not dropped by the tick."""
    now = Now(IDLE_AFTER + 1, 0.0)
    s = state(next_check=9e9, next_stock=9e9)
    assert decide.decide(s, Event.TICK, now, IDLE_AFTER, last_requested=2.0) == NOTHING


def test_good_check_schedules_from_its_start() -> None:
    """After a good check the next one is one interval after this one began; errors clear."""
    s = decide.checked(state(failures=3, last_error="x"), AT, finished_wall=1_002.0, iv=IV)
    assert (s.next_check, s.failures, s.last_error, s.checked_at) == (110.0, 0, None, 1_002.0)


@pytest.mark.parametrize(("failures", "low", "high"), [(0, 4.5, 5.5), (1, 9, 11),
                                                       (5, 54, 60)])
def test_failed_check_backs_off(failures: int, low: float, high: float) -> None:
    """A failed check counts, records the error and waits longer each time."""
    s, delay = decide.check_failed(state(failures=failures), AT, IV, ToastUnavailable("down"),
                                   random.Random(0))
    assert low <= delay <= high and s.next_check == AT.mono + delay
    assert s.failures == failures + 1 and "down" in str(s.last_error)


def test_failed_check_respects_retry_after() -> None:
    """A 429 pushes the next check at least as far as Toast asked."""
    s, _ = decide.check_failed(state(), AT, IV, ToastRateLimited("slow", retry_after=500),
                               random.Random(0))
    assert s.next_check >= AT.mono + 500


def test_restored_copy_is_checked_at_once_fresh_one_later() -> None:
    """A first load from a saved copy checks now; a fresh one waits a full interval."""
    stale = decide.loaded(state(has_view=False), AT, IV, check_now=True, checked_at=900.0)
    fresh = decide.loaded(state(has_view=False), AT, IV, check_now=False, checked_at=1_000.0)
    assert (stale.next_check, stale.next_stock, stale.has_view) == (50.0, 50.0, True)
    assert (fresh.next_check, fresh.next_stock) == (110.0, 80.0)


def test_stock_failure_backs_off_on_its_own_interval() -> None:
    """Stock polls back off from 5 s (at most the stock interval) and recover to it."""
    s = decide.stock_failed(state(), AT, IV, ToastUnavailable("x"), random.Random(0))
    assert 4.5 <= s.next_stock - AT.mono <= 5.5 and s.stock_failures == 1
    s = decide.stock_polled(s, LATER, IV)
    assert (s.next_stock, s.stock_failures, s.stock_error) == (130.0, 0, None)


def test_first_load_retries_back_off() -> None:
    """Each retried first load of a configured restaurant waits longer."""
    s = decide.first_load_retried(state(has_view=False, pinned=True), AT, IV, random.Random(0))
    first = s.next_check
    s = decide.first_load_retried(s, AT, IV, random.Random(0))
    assert s.next_check > first > AT.mono


def test_check_done_elsewhere_counts_as_ours() -> None:
    """When another replica checked, this one waits an interval and keeps its confirmation."""
    s = decide.taken_over(state(checked_at=900.0), AT, IV, checked_at=990.0)
    assert (s.next_check, s.checked_at) == (110.0, 990.0)


def test_a_refused_first_load_is_remembered_a_failed_one_only_recorded() -> None:
    """Toast refusing the restaurant sets how long that answer holds; any failure is noted."""
    refused = decide.first_load_failed(state(has_view=False), ToastUnavailable("gone"),
                                       refused_until=110.0)
    failed = decide.first_load_failed(state(has_view=False), ToastUnavailable("down"))
    assert refused.not_found_until == 110.0 and "gone" in str(refused.last_error)
    assert failed.not_found_until == 0.0 and "down" in str(failed.last_error)


def test_a_transition_returns_a_new_state_and_leaves_its_input_unchanged() -> None:
    """States are values: a transition never changes the state it was given."""
    before = state(failures=3, last_error="x", checked_at=900.0)
    copy = replace(before)
    after = decide.checked(before, AT, finished_wall=1_002.0, iv=IV)
    failed, _ = decide.check_failed(before, AT, IV, ToastUnavailable("down"), random.Random(0))
    assert before == copy and after is not before and failed is not before
    with pytest.raises(AttributeError):
        before.failures = 0  # type: ignore[misc]
