"""Local news of new views: every new version of a restaurant's answers, for push clients.

The menu service publishes ``(guid, etag)`` whenever the view of a restaurant
changes (new menu, stock change, re-price, stale flag flip); subscribers (the
SSE route) each get their own bounded queue. Replicas hear of each other's
changes through the notifier, rebuild their view, and then publish here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

QUEUE_SIZE = 16


class ChangeFeed:
    def __init__(self) -> None:
        self._subs: dict[str, set[asyncio.Queue[str]]] = {}
        self.latest: dict[str, str] = {}

    def publish(self, guid: str, etag: str) -> None:
        """Record ``etag`` as the newest for ``guid`` and wake its subscribers."""
        if self.latest.get(guid) == etag:
            return
        self.latest[guid] = etag
        for queue in self._subs.get(guid, ()):
            if queue.full():  # a slow client only needs the newest version
                queue.get_nowait()
            queue.put_nowait(etag)

    async def subscribe(self, guid: str) -> AsyncIterator[str]:
        """The ETags of ``guid``'s new versions, as they are published, until closed."""
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._subs.setdefault(guid, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            subs = self._subs.get(guid)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self._subs[guid]
