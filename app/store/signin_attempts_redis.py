"""Wrong admin keys counted in Redis, so every replica sees every attempt.

One Lua script counts, expires and locks at once: N replicas behind a load balancer do
not give a client N allowances. The rules (how many are free, slowed, when the lock
comes) are the console's ``Throttle`` (``app/console/throttle.py``); while Redis is down,
or without Redis, each replica counts on its own with it.
"""

from __future__ import annotations

import contextlib

from app.console.throttle import FORGET_AFTER, Throttle, Verdict
from app.store.redis_link import RedisDown, RedisLink

# KEYS: the client's count, its lock. ARGV: attempts before the lock, FORGET_AFTER and
# LOCK_SECONDS in ms. Returns the failures counted so far, or minus the lock's ms left.
_ATTEMPT = """
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return -left end
local n = redis.call('INCR', KEYS[1])
if n > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return -tonumber(ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
"""


class SignInThrottle:
    """The throttle the console uses: shared through Redis when there is one, else (and
    while Redis is down) ``local``, this process's own."""

    def __init__(self, local: Throttle, redis: RedisLink | None = None) -> None:
        self.local = local
        self._redis = redis
        self._script = redis.client.register_script(_ATTEMPT) if redis is not None else None

    def _keys(self, client: str) -> list[str]:
        assert self._redis is not None
        return [self._redis.key("console", "tries", client),
                self._redis.key("console", "locked", client)]

    async def attempt(self, client: str) -> Verdict:
        """Count one sign-in attempt by ``client`` and say what happens to it."""
        if self._redis is None or self._script is None:
            return self.local.attempt(client)
        local = self.local
        try:
            got = int(await self._redis.call(self._script(keys=self._keys(client), args=[
                local.free + local.slowed, int(FORGET_AFTER * 1000),
                int(local.lock_seconds * 1000)])))
        except RedisDown:
            return local.attempt(client)
        if got < 0:
            return Verdict(refused_for=-got / 1000)
        over = got - local.free
        return Verdict(delay=float(2 ** (over - 1)) if over > 0 else 0.0)

    async def succeeded(self, client: str) -> None:
        """The right key: this client starts again from zero (on every replica)."""
        self.local.succeeded(client)
        if self._redis is not None:
            with contextlib.suppress(RedisDown):
                await self._redis.call(self._redis.client.delete(self._keys(client)[0]))
