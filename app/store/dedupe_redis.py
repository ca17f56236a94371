"""Seen webhook events shared by all replicas through Redis.

Toast resends an event it thinks failed after 5 and 10 minutes, and may deliver one
twice (docs/toast-api.md, webhooks); behind a load balancer the copy can reach another
replica. A claim is one ``SET NX`` with the memory's lifetime, so exactly one replica
takes each event. Each replica also remembers the events it claimed itself: later
copies of those cost no Redis call, and while Redis is unreachable it de-duplicates on
its own.
"""

from __future__ import annotations

import contextlib

from app.store.redis_link import RedisDown, RedisLink
from app.webhooks.dedupe import SeenEvents


class RedisSeenEvents:
    def __init__(self, link: RedisLink, local: SeenEvents | None = None) -> None:
        self._link = link
        self._local = local or SeenEvents()

    def _key(self, guid: str) -> str:
        return self._link.key("webhook-seen", guid)

    async def claim(self, guid: str, now: float) -> bool:
        if self._local.seen(guid, now):
            return False
        try:
            got = await self._link.call(self._link.client.set(
                self._key(guid), b"1", nx=True, px=int(self._local.ttl * 1000)))
        except RedisDown:
            return await self._local.claim(guid, now)
        if not got:
            # Not remembered here: if the replica holding the claim fails to take the event
            # it releases the claim, and Toast's resend must then be taken wherever it lands.
            return False
        self._local.remember(guid, now)
        return True

    async def release(self, guid: str) -> None:
        self._local.forget(guid)
        with contextlib.suppress(RedisDown):
            await self._link.call(self._link.client.delete(self._key(guid)))

