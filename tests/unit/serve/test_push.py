"""The change feed: newest ETag per subscriber, bounded subscribers, clean close."""

from __future__ import annotations

import asyncio

import pytest

from app.errors import TooManyStreams
from app.serve.push import ChangeFeed


async def test_subscriber_gets_the_newest_etag_only() -> None:
    """Several versions published while a subscriber was busy arrive as the newest one."""
    feed = ChangeFeed()
    with feed.subscribe("r1") as sub:
        feed.publish("r1", '"a"')
        feed.publish("r1", '"b"')
        feed.publish("r2", '"x"')
        assert await sub.next(5) == '"b"'
        assert feed.latest["r1"] == '"b"'


async def test_same_etag_twice_is_one_version() -> None:
    """Publishing an unchanged ETag wakes nobody."""
    feed = ChangeFeed()
    feed.publish("r1", '"a"')
    with feed.subscribe("r1") as sub:
        feed.publish("r1", '"a"')
        assert await sub.next(0.01) is None


async def test_waiting_subscriber_wakes_on_publish() -> None:
    """A subscriber parked in next() returns as soon as a version is published."""
    feed = ChangeFeed()
    with feed.subscribe("r1") as sub:
        waiter = asyncio.ensure_future(sub.next(60))
        await asyncio.sleep(0)
        feed.publish("r1", '"v2"')
        assert await asyncio.wait_for(waiter, 5) == '"v2"'


async def test_connections_are_bounded_and_released() -> None:
    """Past max_subscribers a subscribe is refused (503); leaving frees the slot."""
    feed = ChangeFeed(max_subscribers=2)
    with feed.subscribe("r1"), feed.subscribe("r2"):
        with pytest.raises(TooManyStreams):
            feed.subscribe("r1")
        assert feed.subscribers == 2
    assert feed.subscribers == 0
    assert feed.status()["byRestaurant"] == {}


async def test_close_all_ends_waiting_subscribers() -> None:
    """close_all (shutdown) makes every parked next() return None at once."""
    feed = ChangeFeed()
    with feed.subscribe("r1") as sub:
        waiter = asyncio.ensure_future(sub.next(60))
        await asyncio.sleep(0)
        feed.close_all()
        assert await asyncio.wait_for(waiter, 5) is None
        assert sub.closed


async def test_subscription_is_an_async_iterator() -> None:
    """``async for`` over a subscription yields each new ETag; repeats and others are silent."""
    feed = ChangeFeed()
    heard: list[str] = []

    async def listen() -> None:
        async for etag in feed.subscribe("g"):
            heard.append(etag)
            if len(heard) == 2:
                return

    task = asyncio.ensure_future(listen())
    await asyncio.sleep(0)
    feed.publish("g", '"a"')
    await asyncio.sleep(0)
    feed.publish("g", '"a"')
    feed.publish("other", '"x"')
    feed.publish("g", '"b"')
    await asyncio.wait_for(task, 5)
    assert heard == ['"a"', '"b"'] and feed.latest["g"] == '"b"'
