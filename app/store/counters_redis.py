"""Toast's budget counted in Redis for all replicas together, on Redis's own clock.

Implements the limiter's ``SendCounter`` seam (``app/store/counters.py``): one Lua
script reads Redis ``TIME`` (so hosts whose clocks differ still agree), drops
expired sends from the one-second and fifteen-minute sorted sets, checks both
caps and the endpoint's own spacing (``/menus`` per location, logins), and
records the send in all of them, or in none. While Redis is down each replica
falls back to a local counter allowed a quarter of every limit (stricter than
its share of the shared budget with up to four replicas), so Toast's limits
hold even then; ``/menus`` calls (one per second per location, Toast says) then keep
to this replica's turns among the replicas last seen (``app/store/outage.py``,
docs/redis-outage.md), so no two replicas send one for a location within a second.
A claim that holds its spacing until its answer is back (``Claim.hold``) names its
holder in a second key, and ``settle`` restarts the spacing on Redis's clock only
while that holder still has it, so every replica spaces the next call from the answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace

from app.clock import Clock
from app.store.counters import Claim, ClientLimits, LocalCounter, Refusal, Usage
from app.store.outage import OutageSpacing, TurnRule, Turns
from app.store.redis_link import RedisDown, RedisLink

# KEYS: the 1 s set, the window set, the spacing key and its holder key ('' when none).
# ARGV: member, per-second cap, window cap, window µs, spacing µs, hold µs, holder.
# Returns {verdict, wait µs, sends in the last second, sends in the window}; verdict
# 0 = counted, 1 = a client-wide cap is full, 2 = the endpoint's own spacing. The
# spacing key holds the moment (µs) the spacing runs from: ahead of now while a held
# call is unanswered, when a refusal asks again within one spacing (its answer may be
# back by then). The holder key is separate so that the spacing key stays a number.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local n1 = redis.call('ZCARD', KEYS[1])
local n2 = redis.call('ZCARD', KEYS[2])
if n1 >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tonumber(first[2]) + 1000000 - now, n1, n2}
end
local cap = tonumber(ARGV[3])
if n2 >= cap then
  local oldest = redis.call('ZRANGE', KEYS[2], n2 - cap, n2 - cap, 'WITHSCORES')
  return {1, tonumber(oldest[2]) + window - now, n1, n2}
end
local spacing = tonumber(ARGV[5])
if KEYS[3] ~= '' then
  local last = tonumber(redis.call('GET', KEYS[3]))
  if last and now - last < spacing then
    local wait = last + spacing - now
    if last > now then wait = spacing end
    return {2, wait, n1, n2}
  end
  local hold = tonumber(ARGV[6])
  local ttl = math.floor((hold + spacing) / 1000) + 1000
  redis.call('SET', KEYS[3], now + hold, 'PX', ttl)
  if hold > 0 then
    redis.call('SET', KEYS[4], ARGV[7], 'PX', ttl)
  else
    redis.call('DEL', KEYS[4])
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2000)
redis.call('PEXPIRE', KEYS[2], math.floor(window / 1000) + 1000)
return {0, 0, n1 + 1, n2 + 1}
"""
# KEYS: the spacing key, its holder key. ARGV: the holder, the spacing µs. The held call
# was answered: if that holder still holds the key, the spacing runs from now.
_SETTLE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('SET', KEYS[1], now, 'PX', math.floor(tonumber(ARGV[2]) / 1000) + 1000)
redis.call('DEL', KEYS[2])
return 1
"""
DEGRADED_SHARE = 4
"""While Redis is down a replica allows itself 1/DEGRADED_SHARE of each limit."""
_MIN_WAIT = 1e-6
TURN_KEYS = ("menus:",)
"""Spacing keys that take turns while Redis is away: Toast's per-location ``/menus``
limit. Logins keep their local spacing only: the token manager already spreads them
(``outage_refresh_at``), and a turn could hold a login past the token's end."""


def degraded_limits(limits: ClientLimits) -> ClientLimits:
    """The stricter local budget a replica keeps to while Redis is unreachable."""
    def part(n: int) -> int:
        return max(1, n // DEGRADED_SHARE)

    return replace(limits, per_second=part(limits.per_second),
                   per_window=part(limits.per_window),
                   background_per_window=part(limits.background_per_window),
                   planned_per_window=part(limits.planned_per_window))


class RedisCounter:
    """``SendCounter`` shared by every replica through Redis."""

    def __init__(self, link: RedisLink, me: str, clock: Clock, limits: ClientLimits,
                 turns: Callable[[], TurnRule] | None = None) -> None:
        self._link = link
        self._me = me
        self._limits = limits
        self._turns = turns or (lambda: Turns.unknown(me))
        self._outage = OutageSpacing(clock)
        self._fallback = LocalCounter(clock, degraded_limits(limits))
        self._script = link.client.register_script(_CLAIM)
        self._settle = link.client.register_script(_SETTLE)
        self._seq = 0
        self._usage = Usage(0, 0)

    async def claim(self, claim: Claim) -> Refusal | None:
        self._seq += 1
        spacing, holder = self._spacing_keys(claim.spacing_key)
        keys = [self._link.key("budget", "second"), self._link.key("budget", "window"),
                spacing, holder]
        args: list[str | int] = [
            f"{self._me}:{self._seq}", self._limits.per_second, claim.window_cap,
            int(self._limits.window * 1e6), int(claim.spacing * 1e6), int(claim.hold * 1e6),
            self._holder(claim.ticket)]
        if (turn := self._turn_wait(claim, self._link.up)) > 0:
            return Refusal(turn, False)
        if self._link.up:
            try:
                verdict, wait_us, last_second, last_window = await self._link.call(
                    self._script(keys=keys, args=args))
            except RedisDown:
                pass
            else:
                self._usage = Usage(int(last_second), int(last_window))
                if int(verdict) == 0:
                    return None
                return Refusal(max(int(wait_us) / 1e6, _MIN_WAIT), int(verdict) == 1)
        if (turn := self._turn_wait(claim, False)) > 0:
            return Refusal(turn, False)
        strict = replace(claim, window_cap=max(1, claim.window_cap // DEGRADED_SHARE))
        return await self._fallback.claim(strict)

    async def settle(self, claim: Claim) -> None:
        # Both: the claim was counted in Redis or, while it was away, locally; each
        # settles only a hold that claim still has.
        await self._fallback.settle(claim)
        if not (claim.spacing_key and claim.ticket) or not self._link.up:
            return  # Redis away: the key expires after the hold; turns keep calls apart
        spacing, holder = self._spacing_keys(claim.spacing_key)
        with contextlib.suppress(RedisDown):
            await self._link.call(self._settle(
                keys=[spacing, holder],
                args=[self._holder(claim.ticket), int(claim.spacing * 1e6)]))

    def _spacing_keys(self, spacing_key: str | None) -> tuple[str, str]:
        if not spacing_key:
            return "", ""
        return (self._link.key("budget", "spacing", spacing_key),
                self._link.key("budget", "holder", spacing_key))

    def _holder(self, ticket: str) -> str:
        return f"{self._me}:{ticket}" if ticket else ""

    def _turn_wait(self, claim: Claim, up: bool) -> float:
        """Seconds until a ``/menus`` claim's turn comes, around an outage (0: no wait)."""
        key = claim.spacing_key
        turned = key if key is not None and key.startswith(TURN_KEYS) else None
        return self._outage.wait(turned, up, self._turns())

    def usage(self) -> Usage:
        """What the last shared claim saw (the local fallback's counts while degraded)."""
        return self._usage if self._link.up else self._fallback.usage()
