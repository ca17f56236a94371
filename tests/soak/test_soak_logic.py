"""The soak's own pure parts: its seeded schedule and how its ledger counts."""

from __future__ import annotations

import pytest

from tests.support.soak.ledger import Answer, Ledger, SimCounts, logins_allowed, table, violations
from tests.support.soak.schedule import DEFAULT_SEED, KINDS, build_schedule, seed_from_env


def test_same_seed_same_schedule_and_every_kind_once() -> None:
    """A seed always gives the same schedule; each fault kind appears exactly once."""
    assert build_schedule(5) == build_schedule(5)
    assert build_schedule(5) != build_schedule(6)
    assert sorted(s.kind for s in build_schedule(5)) == sorted(KINDS)


def test_publishes_fall_inside_their_fault() -> None:
    """Every publish is made while its fault holds."""
    for seed in range(50):
        assert all(0 <= s.publish_at <= s.hold for s in build_schedule(seed))


def test_seed_from_env() -> None:
    """Unset: the fixed CI seed; a number: that seed; random: a drawn one; else an error."""
    assert seed_from_env({}) == DEFAULT_SEED
    assert seed_from_env({"SOAK_SEED": " 42 "}) == 42
    assert seed_from_env({"SOAK_SEED": "random"}) >= 1
    with pytest.raises(ValueError, match="SOAK_SEED"):
        seed_from_env({"SOAK_SEED": "x"})


def _ledger() -> Ledger:
    """A fault from 10 to 20 s (ended at 15 s), with version 1 published at 12 s."""
    ledger = Ledger(replicas=2, boards=1, fresh=10.0)
    ledger.begin("slow", 10.0, SimCounts())
    ledger.published(1, 12.0)
    ledger.fault_over(15.0)
    ledger.end(20.0, SimCounts(logins=1, refused=3, repeats=1))
    return ledger


def test_an_answer_is_old_only_after_the_fault_ended_plus_freshness() -> None:
    """Version 0 at 24.9 s is fine (due at 25 s); at 25 s it is old, counted to the fault."""
    ledger = _ledger()
    ledger.answer(Answer(24.9, 0, 200, 10, 0))
    ledger.answer(Answer(25.0, 1, 200, 10, 0))
    rows = ledger.tally(SimCounts(logins=1, refused=3, repeats=1), 30.0)
    assert rows["slow"].old == 1 and rows["quiet"].old == 0 and rows["total"].old == 1


def test_failures_empty_and_wrong_answers_count_where_they_happened() -> None:
    """A 503 during the fault, an empty 200 and an unknown price after it."""
    ledger = _ledger()
    ledger.answer(Answer(11.0, 0, 503, 0, None))
    ledger.answer(Answer(21.0, 0, 200, 0, None))
    ledger.answer(Answer(22.0, 1, 200, 10, None))
    rows = ledger.tally(SimCounts(logins=1, refused=3, repeats=1), 30.0)
    assert (rows["slow"].failed, rows["quiet"].empty, rows["quiet"].wrong) == (1, 1, 1)


def test_a_publish_missed_by_a_replica_or_board_is_counted_to_its_fault() -> None:
    """Replica 0 and the board showed version 1; replica 1 never did."""
    ledger = _ledger()
    ledger.answer(Answer(13.0, 0, 200, 10, 1))
    ledger.answer(Answer(13.0, 1, 200, 10, 0))
    ledger.board_view(14.0, 0, 1)
    assert ledger.caught_up(1, 12.0, {0}) and not ledger.caught_up(1, 12.0, {0, 1})
    rows = ledger.tally(SimCounts(logins=1, refused=3, repeats=1), 30.0)
    assert (rows["slow"].missed_replica, rows["slow"].missed_board) == (1, 0)


def test_sim_counters_split_between_faults_and_quiet_time() -> None:
    """A fault's row gets its counters' change; the rest of the run's goes to quiet."""
    rows = _ledger().tally(SimCounts(logins=3, refused=3, repeats=1, earned_429=2), 30.0)
    assert (rows["slow"].logins, rows["slow"].repeats, rows["slow"].earned_429) == (1, 1, 0)
    assert (rows["quiet"].logins, rows["quiet"].earned_429) == (2, 2)
    assert rows["total"].logins == 3


def test_webhook_events_accepted_twice_are_counted_once_each() -> None:
    """An event accepted by two replicas is one acted on again; duplicates are fine."""
    ledger = _ledger()
    for result in ("accepted", "accepted", "duplicate"):
        ledger.receipt(11.0, "a", result)
    ledger.receipt(11.0, "b", "accepted")
    ledger.receipt(11.0, "c", "500")
    rows = ledger.tally(SimCounts(logins=1, refused=3, repeats=1), 30.0)
    assert (rows["slow"].webhooks_acted_again, rows["slow"].webhooks_failed) == (1, 1)


def test_logins_allowed_and_violations_name_counts() -> None:
    """One login per token plus one per revocation; each broken invariant shows its count."""
    assert logins_allowed(100.0, 40.0, 15.0, 1) == 1 + 4 + 1
    rows = _ledger().tally(SimCounts(logins=9, refused=3, repeats=1), 30.0)
    broken = violations(rows["total"], allowed_logins=6)
    assert "calls repeating a token Toast had refused: 1 (allowed 0)" in broken
    assert "logins: 9 (allowed 6)" in broken
    assert table(rows).splitlines()[0].startswith("fault")
