"""The one pub/sub listen loop both Redis announcers use, against a fake client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from app.store.redis_link import RedisLink


class FakePubSub:
    def __init__(self, messages: list[dict[str, Any]], log: list[str]) -> None:
        self._messages = messages
        self._log = log

    async def subscribe(self, channel: str) -> None:
        self._log.append(f"subscribe {channel}")

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        for message in self._messages:
            yield message
        raise ConnectionError("connection lost")

    async def aclose(self) -> None:
        self._log.append("closed")


class FakeClient:
    def __init__(self, messages: list[dict[str, Any]], log: list[str]) -> None:
        self._pubsub = FakePubSub(messages, log)

    def pubsub(self, *, ignore_subscribe_messages: bool) -> FakePubSub:
        assert ignore_subscribe_messages
        return self._pubsub


async def test_listen_hands_over_what_other_replicas_sent() -> None:
    """Subscribed first, then only other senders' subjects; the pubsub is closed on the way out."""
    log: list[str] = []
    messages: list[dict[str, Any]] = [
        {"data": b"other r1"}, {"data": b"me r2"}, {"data": "not bytes"}, {"data": b"other"},
        {"data": b"third r3"}]
    link = RedisLink(cast(Any, FakeClient(messages, log)), "p:")

    async def subscribed() -> None:
        log.append("subscribed")

    async def heard(subject: str) -> None:
        log.append(f"heard {subject}")

    with pytest.raises(ConnectionError):
        await link.listen("p:changes", "me", subscribed=subscribed, heard=heard)
    assert log == ["subscribe p:changes", "subscribed", "heard r1", "heard r3", "closed"]


async def test_follow_marks_redis_down_and_listens_again_after_each_break() -> None:
    """A broken subscription marks Redis down, runs ``between``, then subscribes again."""
    log: list[str] = []
    link = RedisLink(cast(Any, FakeClient([{"data": b"other r1"}], log)), "p:")
    breaks: list[bool] = []

    async def subscribed() -> None:
        log.append("subscribed")

    async def heard(subject: str) -> None:
        log.append(f"heard {subject}")

    async def between() -> None:
        breaks.append(link.up)
        if len(breaks) == 2:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await link.follow("p:changes", "me", subscribed=subscribed, heard=heard, between=between)
    assert breaks == [False, False]
    assert log == ["subscribe p:changes", "subscribed", "heard r1", "closed"] * 2
