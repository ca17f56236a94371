"""Leases and change announcements through Redis, so replicas split the work and hear news.

A lease is a key holding this replica's id with an expiry: whoever holds it
checks the restaurant, and keeps it by renewing at each check; if the holder
dies, the key expires and another replica takes over. News of a newer copy goes
out on pub/sub; a message lost with a dropped connection is caught by the
per-tick version check (one ``HMGET`` of the ``versions`` hash).
"""

from __future__ import annotations

import logging
import uuid

from app.clock import Clock
from app.store.coordination import Lease, Listener, Notifier
from app.store.redis_link import RedisDown, RedisLink

# Take the lease if free, or renew it if this replica already holds it.
_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
RETRY_SUBSCRIBE = 1.0


def replica_id() -> str:
    return uuid.uuid4().hex[:12]


class RedisLease(Lease):
    """While Redis is down every lease is granted: each replica then checks for itself."""

    def __init__(self, link: RedisLink, me: str) -> None:
        self._link = link
        self.me = me
        self._acquire = link.client.register_script(_ACQUIRE)
        self._release = link.client.register_script(_RELEASE)

    async def acquire(self, name: str, ttl: float) -> bool:
        if not self._link.up:  # no waiting on a Redis we know is away
            return True
        try:
            got = await self._link.call(self._acquire(
                keys=[self._link.key("lease", name)], args=[self.me, max(1, int(ttl * 1000))]))
        except RedisDown:
            return True
        return bool(got)

    async def release(self, name: str) -> None:
        try:
            await self._link.call(self._release(keys=[self._link.key("lease", name)],
                                                args=[self.me]))
        except RedisDown:
            return


class RedisNotifier(Notifier):
    def __init__(self, link: RedisLink, me: str, versions_key: str, clock: Clock,
                 logger: logging.Logger | None = None) -> None:
        self._link = link
        self.me = me
        self._channel = link.key("changes")
        self._versions_key = versions_key
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.redis")

    async def announce(self, guid: str, version: float) -> None:
        try:
            await self._link.call(self._link.client.publish(self._channel, f"{self.me} {guid}"))
        except RedisDown:
            return  # the others find it with their version check once Redis is back

    async def versions(self, guids: list[str]) -> dict[str, float]:
        if not guids or not self._link.up:
            return {}
        try:
            raw = await self._link.call(self._link.client.hmget(self._versions_key, guids))
        except RedisDown:
            return {}
        return {g: float(v) for g, v in zip(guids, raw, strict=True) if v is not None}

    async def run(self, listener: Listener) -> None:
        """Hear other replicas' announcements; while Redis is down, probe it every second."""
        async def subscribed() -> None:
            await self._link.ping()  # subscribed again after an outage: Redis is back

        async def between() -> None:
            await self._clock.sleep(RETRY_SUBSCRIBE)
            await self._link.ping()

        await self._link.follow(self._channel, self.me, subscribed=subscribed, heard=listener,
                                between=between)
