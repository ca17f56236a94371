"""While Redis is unreachable: the deferred token refresh and the /menus turns, as pure rules
on an injected clock (docs/redis-outage.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from app.clock import FakeClock
from app.store.members_redis import RedisMembers
from app.store.outage import (
    ENTRY_HOLD,
    EXIT_GRACE,
    LOGIN_ROOM,
    OPEN,
    SLOT,
    OutageSpacing,
    RecentTurns,
    TurnRule,
    Turns,
    fraction,
    outage_refresh_at,
)
from app.store.redis_link import RedisDown

EXP = 1_700_000_040.0
MARGIN = 3.75
PLANNED = EXP - 12.5


@pytest.mark.parametrize("phase", [0.0, 0.25, 0.5, 0.999])
def test_deferred_refresh_lies_in_the_later_half_before_the_token_ends(phase: float) -> None:
    """Every replica's deferred refresh falls between the middle of (planned, end) and a
    second before the token stops being sent."""
    at = outage_refresh_at(EXP, MARGIN, PLANNED, phase)
    last = EXP - MARGIN - LOGIN_ROOM
    assert (PLANNED + last) / 2 <= at <= last


def test_replicas_defer_to_different_moments_by_phase() -> None:
    """A larger phase refreshes earlier: replicas with different ids log in apart."""
    moments = [outage_refresh_at(EXP, MARGIN, PLANNED, p) for p in (0.1, 0.4, 0.8)]
    assert moments == sorted(moments, reverse=True) and len(set(moments)) == 3


def test_no_deferral_when_the_planned_refresh_is_already_at_the_end() -> None:
    """A plan already past the last useful moment is kept as it is (never later)."""
    assert outage_refresh_at(EXP, MARGIN, EXP - 4.0, 0.5) == EXP - 4.0


def test_fraction_is_stable_and_in_range() -> None:
    """The same text gives the same fraction, always in [0, 1)."""
    values = [fraction(f"replica-{n}") for n in range(200)]
    assert all(0.0 <= v < 1.0 for v in values)
    assert fraction("abc") == fraction("abc") and len(set(values)) == 200


def _open_moments(turns: TurnRule, key: str, start: float, span: float) -> list[float]:
    step = 0.01
    return [start + n * step for n in range(int(span / step))
            if turns.wait(start + n * step, key) == 0.0]


@pytest.mark.parametrize("count", [2, 3, 4, 5])
@pytest.mark.parametrize("key", ["menus:a", "menus:6b1b4c9e-1c0c"])
def test_two_replicas_turns_for_one_key_are_at_least_slot_minus_open_apart(
    count: int, key: str
) -> None:
    """Any moment one replica may call /menus for a location is at least 1.5 s from any
    moment another replica may, so Toast's one per second per location holds."""
    start = 1_700_000_000.3
    opens = {i: _open_moments(Turns(i, count), key, start, 3 * count * SLOT)
             for i in range(count)}
    for i in range(count):
        assert opens[i], "every replica gets a turn"
        for j in range(i + 1, count):
            gap = min(abs(a - b) for a in opens[i] for b in opens[j])
            assert gap >= SLOT - OPEN - 0.011


@pytest.mark.parametrize("now", [1_700_000_000.0, 1_700_000_001.37, 1_700_000_005.9])
def test_the_wait_leads_to_the_start_of_the_next_turn(now: float) -> None:
    """The wait given is never longer than a full round and ends inside the replica's turn."""
    turns = Turns(1, 3)
    wait = turns.wait(now, "menus:x")
    assert 0.0 <= wait <= 3 * SLOT
    assert turns.wait(now + wait + 1e-6, "menus:x") == 0.0


def test_a_lone_replica_never_waits_for_a_turn() -> None:
    """With one replica known there is nobody to take turns with."""
    assert all(Turns(0, 1).wait(1_700_000_000 + t / 10, "menus:x") == 0.0 for t in range(50))


def test_a_replica_that_never_saw_the_membership_takes_a_turn_by_its_id() -> None:
    """Unknown membership: a turn among four, the same for the same id."""
    turns = Turns.unknown("0b59ee4b59d2")
    assert turns == Turns.unknown("0b59ee4b59d2") and turns.count == 4
    assert 0 <= turns.index < 4


async def test_spacing_holds_then_keeps_turns_while_down_and_for_a_grace_after() -> None:
    """Found down: no /menus for ENTRY_HOLD, then only in turns; back up: turns for
    EXIT_GRACE more, then free (the shared count rules again). Unspaced calls never wait."""
    clock = FakeClock(start=1_700_000_000.0)
    spacing = OutageSpacing(clock)
    turns = Turns(0, 3)
    assert spacing.wait("menus:x", True, turns) == 0.0
    assert spacing.wait(None, False, turns) == 0.0  # noticed down by any call
    assert spacing.wait("menus:x", False, turns) == pytest.approx(ENTRY_HOLD)
    await clock.advance(ENTRY_HOLD)
    for _ in range(40):
        assert spacing.wait("menus:x", False, turns) == turns.wait(clock.now(), "menus:x")
        await clock.advance(0.3)
    assert spacing.wait(None, True, turns) == 0.0  # noticed back
    for _ in range(int(EXIT_GRACE / 0.3)):
        assert spacing.wait("menus:x", True, turns) == turns.wait(clock.now(), "menus:x")
        await clock.advance(0.3)
    await clock.advance(0.3)
    assert spacing.wait("menus:x", True, turns) == 0.0


async def test_turns_known_when_the_store_went_away_are_kept_through_the_grace() -> None:
    """A store restarted empty first lists only the replicas that beat again: the turns
    read then (1 of 1) do not replace those the others keep (1 of 3) until the grace ends."""
    clock = FakeClock(start=1_700_000_000.0)
    spacing = OutageSpacing(clock)
    before, after = Turns(1, 3), Turns(0, 1)
    spacing.wait(None, False, before)
    await clock.advance(ENTRY_HOLD + 5.0)
    spacing.wait(None, True, after)
    waits = []
    for _ in range(int(EXIT_GRACE / 0.25)):
        waits.append(spacing.wait("menus:x", True, after))
        assert waits[-1] == before.wait(clock.now(), "menus:x")
        await clock.advance(0.25)
    assert any(w > 0 for w in waits)


class _Link:
    """Just enough of ``RedisLink`` for ``RedisMembers``: the set the beat script returns."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.up = True
        self.client = self

    def key(self, *parts: str) -> str:
        return ":".join(parts)

    def register_script(self, _source: str) -> Callable[..., Awaitable[list[str]]]:
        async def run(keys: list[str], args: list[object]) -> list[str]:
            return list(self.ids)
        return run

    async def call(self, op: Awaitable[list[str]]) -> list[str]:
        if not self.up:
            op.close()  # type: ignore[attr-defined]
            raise RedisDown("down")
        return await op


async def test_turns_stay_apart_when_replicas_saw_the_membership_change_at_different_beats(
) -> None:
    """Soak seed 27: a replica restarted a second before Redis died, so one kept 1 of 2, one 3
    of 3 and the newcomer 1 of 3; their /menus turns must still never fall within 1.5 s."""
    clock = FakeClock(start=1_700_000_000.0)
    link = _Link()
    a, b, old, new = "59d6f0815532", "6033039a3da2", "d3c21cdb5344", "2b81d7b0f0ca"
    members = {me: RedisMembers(link, me, clock) for me in (a, b, new)}  # type: ignore[arg-type]
    link.ids = sorted([a, b, old])
    for _ in range(10):
        await members[a].beat()
        await members[b].beat()
        await clock.advance(2.0)
    link.ids = sorted([a, b])  # the killed replica ages out: b beats first, then a
    await members[b].beat()
    await clock.advance(1.9)
    await members[a].beat()
    link.ids = sorted([a, b, new])  # the restarted one joins; a does not beat again in time
    await members[new].beat()
    await members[b].beat()
    assert [members[m].turns() for m in (a, b, new)] == [Turns(0, 2), Turns(2, 3), Turns(0, 3)]
    link.up = False
    key, start = "menus:c0dd7491-1f6d-5316-a0d3-afe13f97e29c", 1_796_542_423.0
    opens = {me: _open_moments(m.outage_turns(), key, start, 60.0) for me, m in members.items()}
    assert opens[a], "the replica whose view had lasted keeps its turns"
    for one, other in ((a, b), (a, new), (b, new)):
        if opens[one] and opens[other]:
            gap = min(abs(x - y) for x in opens[one] for y in opens[other])
            assert gap >= SLOT - OPEN - 0.011, (one, other)


def test_recent_turns_never_park_a_call_past_one_slot() -> None:
    """Views that do not meet for a long while (or ever) give waits of at most SLOT, so a
    call parked during an outage is looked at again soon after it ends."""
    views = (Turns(0, 2), Turns(2, 3), Turns(1, 4))
    for n in range(200):
        now = 1_700_000_000.0 + n * 0.13
        assert 0 <= RecentTurns(views).wait(now, f"menus:{n % 7}") <= SLOT


def test_recent_turns_of_one_settled_view_are_that_view() -> None:
    """With one view the rule is the plain turns, never more than SLOT ahead (asked again
    then); a replica too new to trust never sends."""
    view = Turns(1, 3)
    for n in range(60):
        now = 1_700_000_000.0 + n * 0.37
        assert RecentTurns((view,)).wait(now, "menus:x") == pytest.approx(
            min(view.wait(now, "menus:x"), SLOT))
        assert RecentTurns((view,), settled=False).wait(now, "menus:x") > 0
