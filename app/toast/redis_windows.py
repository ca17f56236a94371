"""Toast's budget counted in Redis, on Redis's clock, for all replicas together.

One sorted set per key and window holds the send times (from Redis ``TIME``, so
the hosts' clocks do not matter); a Lua script trims each set, checks every
window and records the send in all of them, or in none. While Redis is down the
caller falls back to its own stricter local budget.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.redis_link import RedisDown, RedisLink
from app.toast.windows import Limit, LocalWindows, Windows

# KEYS: one sorted set per window. ARGV: a unique member id, then count, window pairs.
# Returns 0 when the send was counted, else the milliseconds until there is room.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= count then
    local oldest = redis.call('ZRANGE', key, -count, -count, 'WITHSCORES')
    local room = tonumber(oldest[2]) + window - now
    if room > wait then wait = room end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, now .. ':' .. ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]) + 1000)
end
return 0
"""
DEGRADED_SHARE = 4
"""While Redis is down a replica allows itself this fraction (1/n) of each limit."""


class RedisWindows(Windows):
    shared = True

    def __init__(self, link: RedisLink, me: str, fallback: LocalWindows) -> None:
        self._link = link
        self._me = me
        self._fallback = fallback
        self._take = link.client.register_script(_TAKE)
        self._seq = 0

    async def take(self, key: str, limits: Sequence[Limit]) -> float:
        self._seq += 1
        keys = [self._link.key("budget", key, f"{window:g}") for _, window in limits]
        args: list[str | int] = [f"{self._me}:{self._seq}"]
        for count, window in limits:
            args += [count, int(window * 1000)]
        try:
            wait_ms = await self._link.call(self._take(keys=keys, args=args))
        except RedisDown:
            strict = [(max(1, count // DEGRADED_SHARE), window) for count, window in limits]
            return self._fallback.take_now(key, strict)
        return float(wait_ms) / 1000.0
