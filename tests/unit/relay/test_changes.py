"""The local change feed: subscribers hear each new version once, newest first."""

from __future__ import annotations

import asyncio

from app.cache.changes import ChangeFeed


async def test_subscriber_hears_new_versions_only() -> None:
    """A subscriber gets every new ETag of its restaurant; repeats and others are silent."""
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
    feed.publish("g", '"a"')
    feed.publish("other", '"x"')
    feed.publish("g", '"b"')
    await asyncio.wait_for(task, 5)
    assert heard == ['"a"', '"b"'] and feed.latest["g"] == '"b"'
