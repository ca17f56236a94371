"""What a replica does while the shared store (Redis) is unreachable: pure rules, no I/O.

Replicas that cannot reach Redis cannot take its login lock, its leases or its
shared counts, so each would otherwise refresh the token and fetch ``/menus`` on its
own, at the same moments. Two rules keep Toast's limits without talking to each
other (docs/redis-outage.md):

- **the token refresh waits**: a replica holding a still-valid token defers its
  proactive refresh toward the token's last usable moment, each replica to its own
  point (``outage_refresh_at``), so a short outage costs no login and a long one at
  most one per replica per token lifetime;
- **spaced calls take turns** (``Turns``, ``OutageSpacing``): Toast allows one
  ``/menus`` per second per location; replica ``i`` of ``n`` (the membership last
  seen in Redis, ``redis_members``) sends such a
  call only in its own ``OPEN`` seconds of every ``n * SLOT``, so two replicas' calls
  for one location are at least ``SLOT - OPEN`` seconds apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from app.clock import Clock

LOGIN_ROOM = 1.0
"""Seconds kept between a deferred refresh and the moment the token stops being sent."""
SLOT = 2.0
"""Seconds of each replica's turn while the store is unreachable."""
OPEN = 0.5
"""The part of a turn in which a spaced call may start: calls of two replicas for one
key are then at least ``SLOT - OPEN`` (1.5) seconds apart, Toast asking for 1, which
leaves half a second for clock skew between hosts and uneven network delays."""
ENTRY_HOLD = SLOT - OPEN
"""Seconds without spaced calls once the store is found unreachable: another replica
may have sent one, counted in the store, just before it went away."""
EXIT_GRACE = 4.0
"""Seconds turns are still kept once the store answers again: another replica notices
the recovery up to about a second later (its probe runs every second) and sends in its
turn until then."""
SETTLE = 6.0
"""Seconds (three membership beats) a view of the replicas must have lasted before an
outage to be trusted alone: a replica joining or aging out is seen by each replica at
its own next beat, so just before an outage two replicas may hold different views, and
the same index in both (``RecentTurns``)."""
UNKNOWN_COUNT = 4
"""Turns assumed by a replica that never saw the membership (it started during the
outage): as many as the degraded budget assumes replicas (``app/store/counters_redis.py``)."""


def fraction(text: str) -> float:
    """A stable number in [0, 1) for ``text`` (a replica id, a spacing key)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2.0**64


def outage_refresh_at(expires_at: float, margin: float, planned: float, phase: float) -> float:
    """When a replica that cannot reach the shared store refreshes a token still valid.

    ``planned`` is the ordinary refresh moment, ``expires_at - margin`` the last moment
    the token is sent, ``phase`` in [0, 1) this replica's own place: the refresh moves
    into the later half of what lies between, one replica at each point, and never past
    ``LOGIN_ROOM`` before the token stops being sent."""
    last = expires_at - margin - LOGIN_ROOM
    if last <= planned:
        return planned
    return last - phase * (last - planned) / 2


@dataclass(frozen=True)
class Turns:
    """Replica ``index`` of ``count`` (ordered by id, as last seen in the store)."""

    index: int
    count: int

    @classmethod
    def unknown(cls, me: str) -> Turns:
        """For a replica that never saw the membership: a turn picked by its id."""
        return cls(int(fraction(me) * UNKNOWN_COUNT), UNKNOWN_COUNT)

    def wait(self, now: float, key: str) -> float:
        """Seconds until this replica may start a call spaced by ``key`` (0: now).

        ``now`` is wall time, which replicas on different hosts share; each key's turns
        are shifted by its own phase so that locations do not all fall in one turn."""
        if self.count <= 1:
            return 0.0
        period = self.count * SLOT
        start = (self.index * SLOT + fraction(key) * period) % period
        into = (now - start) % period
        return 0.0 if into < OPEN else period - into


class TurnRule(Protocol):
    def wait(self, now: float, key: str) -> float:
        """Seconds until this replica may start a call spaced by ``key`` (0: now)."""
        ...


_MAX_STEPS = 64


@dataclass(frozen=True)
class RecentTurns:
    """Turns while the membership was changing: every view this replica held in the last
    ``SETTLE`` seconds before the outage, since another replica may keep any of them.

    A call goes only when this replica's turn is open in each view (its index is its own
    in each, so it meets nobody keeping any one of them). ``settled`` False: this replica's
    first view is younger than ``SETTLE`` (it has just joined), and the others may keep a
    view without it, so it sends no spaced call at all until the turns end."""

    views: tuple[Turns, ...]
    settled: bool = True

    def wait(self, now: float, key: str) -> float:
        """At most ``SLOT`` ahead: the caller asks again then (the outage may have ended,
        or the views may not meet for a long while), never parked for minutes."""
        if not self.settled:
            return SLOT
        ahead = 0.0
        for _ in range(_MAX_STEPS):
            step = max(view.wait(now + ahead, key) for view in self.views)
            if step <= 0:
                break
            ahead += step
            if ahead >= SLOT:
                return SLOT
        return ahead


class OutageSpacing:
    """When spaced calls keep to turns: from the moment the store is found unreachable
    (after ``ENTRY_HOLD`` without any) until ``EXIT_GRACE`` after it answers again, by
    the turns known when it went away (a store restarted empty lists the replicas again
    only as they beat, so the view read meanwhile is not the one the others keep)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._down_at: float | None = None
        self._up_at = float("-inf")
        self._turns: TurnRule | None = None

    def wait(self, key: str | None, up: bool, turns: TurnRule) -> float:
        """Seconds until a call spaced by ``key`` may go (0: now; ``key`` None: not spaced,
        only noting whether the store is ``up``); ``turns`` is the current view."""
        mono = self._clock.monotonic()
        if not up:
            if self._down_at is None:
                self._down_at, self._turns = mono, turns
            if key is None:
                return 0.0
            hold = self._down_at + ENTRY_HOLD - mono
            return hold if hold > 0 else self._kept(turns).wait(self._clock.now(), key)
        if self._down_at is not None:
            self._down_at, self._up_at = None, mono
        if key is None or mono >= self._up_at + EXIT_GRACE:
            return 0.0
        return self._kept(turns).wait(self._clock.now(), key)

    def _kept(self, turns: TurnRule) -> TurnRule:
        return self._turns if self._turns is not None else turns
