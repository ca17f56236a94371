"""Seen event GUIDs, bounded in count and age, so a redelivered event does no new work.

Toast may deliver an event twice, and resends one it thinks failed after 5 and
then 10 more minutes (docs/toast-api.md, webhooks), so a GUID is remembered for 30
minutes by default, and at most ``capacity`` of them (oldest forgotten first).

Behind a load balancer Toast's redelivery may land on another replica: with Redis
the memory is shared (``app/store/dedupe_redis.py``); both follow ``SeenStore``.
"""

from __future__ import annotations

from typing import Protocol

from cachetools import TTLCache

DEFAULT_CAPACITY = 10_000
DEFAULT_TTL = 1800.0


class SeenStore(Protocol):
    """Where the receiver remembers the events it took."""

    async def claim(self, guid: str, now: float) -> bool:
        """True the first time ``guid`` is claimed (it is remembered from now on); False
        when it was claimed within the memory's lifetime (a duplicate)."""
        ...

    async def release(self, guid: str) -> None:
        """Forget a claim whose event could not be taken, so Toast's resend is taken."""
        ...


class SeenEvents:
    """This process's memory (one replica, or Redis unreachable)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, ttl: float = DEFAULT_TTL) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.ttl = ttl
        # The cache's timer reads the time the caller passed with the last call, so every
        # expiry follows the receiver's injected clock.
        self._now = 0.0
        self._seen: TTLCache[str, bool] = TTLCache(capacity, ttl, timer=lambda: self._now)

    def seen(self, guid: str, now: float) -> bool:
        """True when ``guid`` was remembered within the last ``ttl`` seconds."""
        self._at(now)
        return guid in self._seen

    def remember(self, guid: str, now: float) -> None:
        self._at(now)
        self._seen[guid] = True

    def forget(self, guid: str) -> None:
        self._seen.pop(guid, None)

    async def claim(self, guid: str, now: float) -> bool:
        if self.seen(guid, now):
            return False
        self.remember(guid, now)
        return True

    async def release(self, guid: str) -> None:
        self.forget(guid)

    def __len__(self) -> int:
        return len(self._seen)

    def _at(self, now: float) -> None:
        self._now = now
        self._seen.expire()
