"""The console's sessions in Redis: every replica sees a sign-in and a sign-out."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from app.errors import NotReady
from app.store.redis_link import RedisDown, RedisLink
from app.store.sessions import SessionStore

T = TypeVar("T")


class RedisSessions(SessionStore):
    """Sessions every replica sees (sign-out on one ends it on all); Redis expires them.

    While Redis is down the console answers 503: a sign-out is recorded only there, so
    no replica may fall back to a copy of its own and honour an ended session."""

    def __init__(self, link: RedisLink) -> None:
        self.link = link

    async def _call(self, op: Awaitable[T]) -> T:
        try:
            return await self.link.call(op)
        except RedisDown:
            raise NotReady("the console's sessions are kept in Redis, which does not "
                           "answer; try again when it is back", retry_after=5) from None

    def _key(self, key: str) -> str:
        return self.link.key("console", "session", key)

    async def get(self, key: str) -> bytes | None:
        data = await self._call(self.link.client.get(self._key(key)))
        return data.encode() if isinstance(data, str) else data

    async def put(self, key: str, data: bytes, seconds: int) -> None:
        await self._call(self.link.client.set(self._key(key), data, ex=seconds))

    async def delete(self, key: str) -> None:
        await self._call(self.link.client.delete(self._key(key)))
