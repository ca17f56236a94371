"""Coordination between replicas: who checks a restaurant, and news of a new copy.

A ``Lease`` names the one replica that checks a restaurant for a while; a
``Notifier`` tells the others that a newer copy was stored. With one process
the in-process versions grant every lease and announce to nobody; the Redis
versions (``app/store/coordination_redis.py``) make several replicas act as one.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable

Listener = Callable[[str], Awaitable[None]]
"""Called with a restaurant GUID when another replica stored a newer copy of it."""


class Lease(abc.ABC):
    @abc.abstractmethod
    async def acquire(self, name: str, ttl: float) -> bool:
        """True when this replica holds ``name`` now (for ``ttl`` seconds at most)."""

    @abc.abstractmethod
    async def release(self, name: str) -> None: ...


class LocalLease(Lease):
    """One process: every lease is ours (single flight inside it is the service's job)."""

    async def acquire(self, name: str, ttl: float) -> bool:
        return True

    async def release(self, name: str) -> None:
        return None


class Notifier(abc.ABC):
    @abc.abstractmethod
    async def announce(self, guid: str, version: float) -> None:
        """Tell the other replicas that a copy of ``guid`` with ``version`` was stored."""

    @abc.abstractmethod
    async def versions(self, guids: list[str]) -> dict[str, float]:
        """The latest announced version per restaurant (the cheap per-tick check)."""

    @abc.abstractmethod
    async def run(self, listener: Listener) -> None:
        """Deliver announcements from other replicas to ``listener`` until cancelled."""


class LocalNotifier(Notifier):
    """One process: nobody else to tell or hear from."""

    async def announce(self, guid: str, version: float) -> None:
        return None

    async def versions(self, guids: list[str]) -> dict[str, float]:
        return {}

    async def run(self, listener: Listener) -> None:
        return None
