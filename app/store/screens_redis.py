"""Screen definitions in Redis: one truth for every replica, changes announced by pub/sub.

Definitions live in one hash (name → the stored JSON); versions in another, which
is never cleared, so a version keeps growing across a delete. A write checks the
version and stores the next one in one script, so two admins writing at once cannot
both win. Each write is announced on a channel; every replica reloads that screen
(and all of them whenever it subscribes again after a lost connection).
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson

from app.errors import NotReady, StaleVersion
from app.screens.model import Screen
from app.store.redis_link import RedisDown, RedisLink
from app.store.screens import Listener, ScreenStore, Stored

RELOAD_ALL = ""
"""What ``watch`` hands its listener when every screen may have changed."""
RETRY_SUBSCRIBE = 1.0

# KEYS: definitions hash, versions hash; ARGV: name, expected version ('' = any), the
# record's JSON without its closing brace (the version is added here).
_PUT = """
local have = 0
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  have = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= have then return {0, have} end
local v = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. ',"version":' .. v .. '}')
return {1, v}
"""
_DELETE = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= 0 then return {0, 0} end
  return {1, 0}
end
local have = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= have then return {0, have} end
redis.call('HDEL', KEYS[1], ARGV[1])
return {1, have}
"""


def _down() -> NotReady:
    return NotReady("Redis is unreachable, so screen definitions cannot be changed now; "
                    "boards keep their last definitions. Try again once Redis is back")


class RedisScreens(ScreenStore):
    def __init__(self, link: RedisLink, me: str) -> None:
        self._link = link
        self.me = me
        self._defs = link.key("screens")
        self._versions = link.key("screen-versions")
        self._channel = link.key("screens-changed")
        self._put = link.client.register_script(_PUT)
        self._delete = link.client.register_script(_DELETE)

    async def all(self) -> dict[str, Stored]:
        raw = await self._link.call(self._link.client.hgetall(self._defs))
        out: dict[str, Stored] = {}
        for value in raw.values():
            stored = Stored.decode(value)
            out[stored.name] = stored
        return out

    async def get(self, name: str) -> Stored | None:
        raw = await self._link.call(self._link.client.hget(self._defs, name))
        return None if raw is None else Stored.decode(raw)

    async def put(self, name: str, screen: Screen, expected: int | None,
                  updated_at: str) -> Stored:
        record = orjson.dumps({"screen": name, "updatedAt": updated_at,
                               "definition": screen.as_json()})[:-1]
        try:
            ok, version = await self._link.call(self._put(
                keys=[self._defs, self._versions],
                args=[name, "" if expected is None else str(expected), record]))
        except RedisDown:
            raise _down() from None
        if not ok:
            raise StaleVersion(f"screen {name!r} is at version {version}, not {expected}; "
                               "GET it again, apply your change to that copy and PUT it "
                               f'with If-Match: "{version}"')
        await self._announce(name)
        return Stored(name, screen, int(version), updated_at)

    async def delete(self, name: str, expected: int | None) -> bool:
        try:
            ok, version = await self._link.call(self._delete(
                keys=[self._defs, self._versions],
                args=[name, "" if expected is None else str(expected)]))
        except RedisDown:
            raise _down() from None
        if not ok:
            raise StaleVersion(f"screen {name!r} is at version {version}, not {expected}")
        if version:
            await self._announce(name)
        return bool(version)

    async def _announce(self, name: str) -> None:
        with contextlib.suppress(RedisDown):  # the others reload all when they resubscribe
            await self._link.call(self._link.client.publish(self._channel,
                                                            f"{self.me} {name}"))

    async def watch(self, listener: Listener) -> None:
        """Hear other replicas' writes; after any break, reload every screen."""
        async def subscribed() -> None:
            await listener(RELOAD_ALL)  # whatever changed while we were not listening

        async def between() -> None:
            await asyncio.sleep(RETRY_SUBSCRIBE)

        await self._link.follow(self._channel, self.me, subscribed=subscribed, heard=listener,
                                between=between)
