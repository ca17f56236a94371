"""The local change feed: "restaurant R has a new version (ETag E)", pushed to listeners.

The menu service publishes on every new view of a restaurant (new menu, stock
change, re-price, stale flag flip); each ``/events`` connection holds one
subscription. A subscription keeps only the newest ETag: a screen that was busy
while three versions went by needs to fetch once, not three times. Waiting
costs nothing but an ``asyncio.Event``: no polling, no timer beyond the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib

from app.errors import TooManyStreams


class Subscription:
    def __init__(self, feed: ChangeFeed, guid: str) -> None:
        self.guid = guid
        self.closed = False
        self._feed = feed
        self._pending: str | None = None
        self._wake = asyncio.Event()

    def push(self, etag: str) -> None:
        self._pending = etag
        self._wake.set()

    def close(self) -> None:
        """End the subscription: a waiting ``next`` returns None and ``closed`` is True."""
        self.closed = True
        self._wake.set()

    async def next(self, within: float) -> str | None:
        """The newest ETag published since the last call; None after ``within`` s or on close."""
        if self._pending is None and not self.closed:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await self._wake.wait()
        etag, self._pending = self._pending, None
        return None if self.closed else etag

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> str:
        """``async for etag in feed.subscribe(guid)``: each new ETag until closed."""
        while True:
            etag = await self.next(3600.0)
            if self.closed:
                self._feed.unsubscribe(self)
                raise StopAsyncIteration
            if etag is not None:
                return etag

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self._feed.unsubscribe(self)


class ChangeFeed:
    def __init__(self, max_subscribers: int = 1000) -> None:
        self.max_subscribers = max_subscribers
        self._subs: dict[str, set[Subscription]] = {}
        self.latest: dict[str, str] = {}
        """The newest ETag published per restaurant."""
        self._count = 0

    def publish(self, guid: str, etag: str) -> None:
        """Announce a new version of ``guid``'s answers (the same ETag twice is one version)."""
        if self.latest.get(guid) == etag:
            return
        self.latest[guid] = etag
        for sub in self._subs.get(guid, ()):
            sub.push(etag)

    def forget(self, guid: str) -> None:
        """A restaurant that went idle: drop its last ETag (listeners stay subscribed)."""
        self.latest.pop(guid, None)

    def subscribe(self, guid: str) -> Subscription:
        """A new subscription (use it as a context manager); 503 when the process is full."""
        if self._count >= self.max_subscribers:
            raise TooManyStreams(
                f"this relay already holds {self._count} event streams "
                "(RELAY_EVENTS_MAX_CONNECTIONS); the board falls back to polling, or raise "
                "the setting")
        sub = Subscription(self, guid)
        self._subs.setdefault(guid, set()).add(sub)
        self._count += 1
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.guid)
        if subs is None or sub not in subs:
            return
        subs.discard(sub)
        self._count -= 1
        if not subs:
            del self._subs[sub.guid]

    def close_all(self) -> None:
        """End every subscription (shutdown: open streams must not hold the server up)."""
        for subs in list(self._subs.values()):
            for sub in list(subs):
                sub.close()

    @property
    def subscribers(self) -> int:
        return self._count

    def status(self) -> dict[str, object]:
        return {"streams": self._count, "maxStreams": self.max_subscribers,
                "byRestaurant": {g: len(s) for g, s in self._subs.items()}}
