"""The Toast token shared by all replicas through Redis, with a lock around logins.

One replica logs in (under the lock) and writes the token, its login times and
the last 401-driven re-login; the others read it and never log in on their own.
The record holds a live bearer token: it is as secret as the token file, so
protect Redis (password, TLS with ``rediss://``, no public port). A local copy
(memory, or the token file with ``RELAY_DATA_DIR``) keeps the replica going
while Redis is down.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from app.clock import Clock
from app.store.outage import fraction
from app.store.redis_link import RedisDown, RedisLink
from app.store.tokens import StoredToken, TokenStore, decode_token, encode_token

LOCK_TTL = 30.0
"""Longest a login may hold the lock (a crashed holder frees it after this)."""
LOCK_POLL = 0.1
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisTokenStore(TokenStore):
    shared = True

    def __init__(self, link: RedisLink, owner: str, me: str, local: TokenStore, clock: Clock,
                 logger: logging.Logger | None = None) -> None:
        self._link = link
        self._owner = owner
        self._me = me
        self.phase = fraction(me)
        self._local = local
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.redis")
        self._key = link.key("token")
        self._lock_key = link.key("token-lock")
        self._release = link.client.register_script(_RELEASE)
        link.on_recover(self.write_back)

    async def load(self) -> StoredToken | None:
        """The shared token; this replica's own copy while Redis is down or has none."""
        try:
            shared = await self._shared()
        except RedisDown:
            return await self._local.load()
        return shared if shared is not None else await self._local.load()

    async def peek(self) -> StoredToken | None:
        if not self._link.up:  # no waiting on a Redis known to be away
            return None
        try:
            return await self._shared()
        except RedisDown:
            return None

    async def _shared(self) -> StoredToken | None:
        raw = await self._link.call(self._link.client.get(self._key))
        if not isinstance(raw, bytes):
            return None
        try:
            return decode_token(self._owner, raw)
        except ValueError:
            self._log.warning("the token record in Redis is unreadable; ignoring it")
            return None

    async def save(self, token: StoredToken) -> None:
        await self._local.save(token)
        with contextlib.suppress(RedisDown):
            await self._link.call(self._link.client.set(
                self._key, encode_token(self._owner, token)))

    @property
    def reachable(self) -> bool:
        return self._link.up

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[bool]:
        """Held by one replica at a time around a login; without Redis, no lock at all
        (False: the token manager then defers a refresh it can, see docs/redis-outage.md)."""
        held = await self._take_lock()
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(RedisDown):
                    await self._link.call(self._release(keys=[self._lock_key],
                                                        args=[self._me]))

    async def _take_lock(self) -> bool:
        deadline = self._clock.monotonic() + LOCK_TTL
        while True:
            try:
                got = await self._link.call(self._link.client.set(
                    self._lock_key, self._me, nx=True, px=int(LOCK_TTL * 1000)))
            except RedisDown:
                return False
            if got or self._clock.monotonic() > deadline:
                return bool(got)
            await self._clock.sleep(LOCK_POLL)

    async def write_back(self) -> None:
        """Redis is back: if it lost the token, put ours back (never over a newer one)."""
        mine = await self._local.load()
        if mine is None or not mine.access_token:
            return
        theirs = await self._shared()
        if theirs is None or theirs.expires_at < mine.expires_at:
            await self._link.call(self._link.client.set(
                self._key, encode_token(self._owner, mine)))

    async def close(self) -> None:
        await self._local.close()
