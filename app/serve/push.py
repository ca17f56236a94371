"""The local change feed: "restaurant R has a new version (ETag E)", pushed to listeners.

The menu service publishes on every new view of a restaurant (new menu, stock
change, re-price, stale flag flip); each ``/events`` connection holds one
subscription. A subscription keeps only the newest ETag: a screen that was busy
while three versions went by needs to fetch once, not three times.

Built to hold thousands of streams per process (docs/deployment.md): a parked
subscription is one small object and, while it waits, one future; its heartbeat
comes from the feed's one shared wheel (``app.serve.heartbeat``), not a timer of
its own. A publish marks every subscriber of the restaurant at once but wakes them
``BATCH`` at a time, yielding to the event loop between batches, so that requests
arriving during a fan-out to 5,000 streams are answered between two batches
instead of after all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from app.clock import Clock, SystemClock
from app.errors import TooManyStreams
from app.serve.heartbeat import Heartbeat

BATCH = 40
"""Subscribers woken per turn of the event loop during a fan-out: small enough that a
cached hit waits little behind a 5,000-stream fan-out (bench part i)."""


class Subscription:
    __slots__ = ("_feed", "_pending", "_ping", "_slot", "_waiter", "closed", "guid")

    def __init__(self, feed: ChangeFeed, guid: str) -> None:
        self.guid = guid
        self.closed = False
        self._feed = feed
        self._pending: str | None = None
        self._ping = False
        self._slot = -1
        self._waiter: asyncio.Future[None] | None = None

    def hold(self, etag: str) -> None:
        """Keep ``etag`` as the newest version, without waking the subscriber yet."""
        self._pending = etag

    def push(self, etag: str) -> None:
        self._pending = etag
        self.wake()

    def ping(self) -> None:
        """The heartbeat: a waiting ``next`` returns None (the caller sends a ping)."""
        self._ping = True
        self.wake()

    def close(self) -> None:
        """End the subscription: a waiting ``next`` returns None and ``closed`` is True."""
        self.closed = True
        self.wake()

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self, within: float | None = None) -> str | None:
        """The newest ETag published since the last call; None on a heartbeat, on close,
        or (when ``within`` is given) after ``within`` seconds."""
        if self._pending is None and not self._ping and not self.closed:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                if within is None:
                    await waiter
                else:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(within):
                            await waiter
            finally:
                self._waiter = None
        etag, self._pending, self._ping = self._pending, None, False
        return None if self.closed else etag

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> str:
        """``async for etag in feed.subscribe(guid)``: each new ETag until closed."""
        while True:
            etag = await self.next()
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
    def __init__(self, max_subscribers: int = 1000, *, heartbeat: float = 15.0,
                 clock: Clock | None = None) -> None:
        self.max_subscribers = max_subscribers
        self._subs: dict[str, set[Subscription]] = {}
        self.latest: dict[str, str] = {}
        """The newest ETag published per restaurant."""
        self._count = 0
        self._closing = False
        self._heartbeat = Heartbeat(heartbeat, clock or SystemClock())
        self._to_wake: deque[Subscription] = deque()
        self._waker: asyncio.Task[None] | None = None

    def publish(self, guid: str, etag: str) -> None:
        """Announce a new version of ``guid``'s answers (the same ETag twice is one version)."""
        if self.latest.get(guid) == etag:
            return
        self.latest[guid] = etag
        subs = self._subs.get(guid)
        if not subs:
            return
        for sub in subs:
            sub.hold(etag)
        self._to_wake.extend(subs)
        self._wake_some()
        if self._to_wake and self._waker is None:
            self._waker = asyncio.get_running_loop().create_task(
                self._wake_the_rest(), name="events-fan-out")

    def _wake_some(self) -> None:
        for _ in range(min(BATCH, len(self._to_wake))):
            self._to_wake.popleft().wake()

    async def _wake_the_rest(self) -> None:
        try:
            while self._to_wake:
                await asyncio.sleep(0)  # the batch just woken, and any request, run first
                self._wake_some()
        finally:
            self._waker = None

    def forget(self, guid: str) -> None:
        """A restaurant that went idle: drop its last ETag (listeners stay subscribed)."""
        self.latest.pop(guid, None)

    def subscribe(self, guid: str) -> Subscription:
        """A new subscription (use it as a context manager); 503 when the process is full.
        During shutdown it comes closed: the stream sends the current version and ends."""
        if self._count >= self.max_subscribers:
            raise TooManyStreams(
                f"this relay already holds {self._count} event streams "
                "(RELAY_EVENTS_MAX_CONNECTIONS); the board falls back to polling, or raise "
                "the setting")
        sub = Subscription(self, guid)
        self._subs.setdefault(guid, set()).add(sub)
        self._count += 1
        if self._closing:
            sub.closed = True
        else:
            sub._slot = self._heartbeat.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.guid)
        if subs is None or sub not in subs:
            return
        subs.discard(sub)
        self._count -= 1
        if sub._slot >= 0:
            self._heartbeat.remove(sub, sub._slot)
        if not subs:
            del self._subs[sub.guid]

    def close_all(self) -> None:
        """End every subscription, at once, and refuse to park new ones (shutdown: open
        streams must not hold the server up)."""
        self._closing = True
        self._heartbeat.stop()
        for subs in list(self._subs.values()):
            for sub in list(subs):
                sub.close()

    @property
    def subscribers(self) -> int:
        return self._count

    @property
    def heartbeat(self) -> Heartbeat:
        return self._heartbeat

    def status(self) -> dict[str, object]:
        return {"streams": self._count, "maxStreams": self.max_subscribers,
                "byRestaurant": {g: len(s) for g, s in self._subs.items()}}
