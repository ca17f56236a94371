"""Which replicas share the Redis, so each knows its turn if Redis goes away.

Every replica writes its id into one sorted set every ``BEAT`` seconds (scored on
Redis's own clock) and reads the ids seen in the last ``SEEN_FOR`` seconds back,
in one script. Its place among them (ordered by id) and their number are its
``Turns`` (``app/store/outage.py``) while Redis is unreachable; the last view
taken before an outage is kept through it, together with any other view this
replica held in the ``SETTLE`` seconds before it (``outage_turns``): a replica that
joined or aged out just then is seen by each replica at its own next beat, so the
others may be keeping one of those.
"""

from __future__ import annotations

import logging

from app.clock import Clock
from app.store.outage import SETTLE, RecentTurns, TurnRule, Turns
from app.store.redis_link import RedisDown, RedisLink

BEAT = 2.0
SEEN_FOR = 10.0
"""A replica not seen for this long (killed, or cut off) no longer counts."""
# KEYS: the members set. ARGV: this replica's id, SEEN_FOR in ms. Returns the ids.
_BEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""


class RedisMembers:
    def __init__(self, link: RedisLink, me: str, clock: Clock,
                 logger: logging.Logger | None = None) -> None:
        self._link = link
        self.me = me
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.redis")
        self._key = link.key("members")
        self._script = link.client.register_script(_BEAT)
        self._turns: Turns | None = None
        self._first_at = 0.0
        self._seen_at = 0.0
        self._past: list[tuple[float, Turns]] = []
        """Views replaced in the last ``SETTLE`` seconds, with when they were replaced."""

    def turns(self) -> Turns:
        """This replica's turn: from the last membership seen, or by its id if none was."""
        return self._turns if self._turns is not None else Turns.unknown(self.me)

    def outage_turns(self) -> TurnRule:
        """The turns to keep if Redis is unreachable now: the last view, and with it every
        view held in the ``SETTLE`` seconds before the last beat that reached Redis; none at
        all (``RecentTurns.settled`` False) if the first view is younger than that."""
        if self._turns is None:
            return Turns.unknown(self.me)
        recent = tuple(view for until, view in self._past if until >= self._seen_at - SETTLE)
        settled = self._seen_at - self._first_at >= SETTLE
        if settled and not recent:
            return self._turns
        return RecentTurns((*recent, self._turns), settled)

    async def beat(self) -> None:
        """Say this replica is here and read who else is; keeps the last view on failure."""
        try:
            raw = await self._link.call(self._script(
                keys=[self._key], args=[self.me, int(SEEN_FOR * 1000)]))
        except RedisDown:
            return
        ids = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in raw)
        if self.me not in ids:  # pragma: no cover - the script has just added it
            ids = sorted([*ids, self.me])
        turns = Turns(ids.index(self.me), len(ids))
        now = self._clock.monotonic()
        if self._turns is None:
            self._first_at = now
        self._seen_at = now
        self._past = [(until, view) for until, view in self._past if until >= now - SETTLE]
        if turns != self._turns:
            self._log.info("replica %d of %d sharing Redis", turns.index + 1, turns.count)
            if self._turns is not None:
                self._past.append((now, self._turns))
        self._turns = turns

    async def run(self) -> None:
        """Beat until cancelled."""
        while True:
            await self.beat()
            await self._clock.sleep(BEAT)
