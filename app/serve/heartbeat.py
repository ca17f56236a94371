"""One heartbeat for every open ``/events`` stream, spread over its period.

A stream needs a ``: ping`` at least every RELAY_EVENTS_HEARTBEAT seconds so that
proxies and players keep an idle connection. A timer per stream would cost each
stream a timer handle and, for streams opened together (a restart, a morning
switch-on), fire them all in the same millisecond. Instead the wheel has ``slots``
slices of the period; each member joins one slice, round robin, and one task wakes
every ``period / slots`` seconds to ping the members of the next slice. Every member
is pinged once per period, and each tick pings about ``members / slots`` of them.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from app.clock import Clock

TICK = 0.25
"""Seconds between the wheel's ticks (about): 60 slices in the default 15 s period."""


class Pingable(Protocol):
    def ping(self) -> None: ...


def slot_count(period: float, tick: float = TICK) -> int:
    """How many slices a period of ``period`` seconds has (at least one)."""
    return max(1, round(period / tick))


class Heartbeat:
    def __init__(self, period: float, clock: Clock, tick: float = TICK) -> None:
        self.slots = slot_count(period, tick)
        self.tick = period / self.slots
        self._clock = clock
        self._members: list[set[Pingable]] = [set() for _ in range(self.slots)]
        self._fill = 0
        """The slice the next member joins."""
        self._due = 0
        """The slice the next tick pings."""
        self._count = 0
        self._task: asyncio.Task[None] | None = None

    def add(self, member: Pingable) -> int:
        """Ping ``member`` once per period from now on; returns its slice (for ``remove``)."""
        slot = self._fill
        self._fill = (slot + 1) % self.slots
        self._members[slot].add(member)
        self._count += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="heartbeat")
        return slot

    def remove(self, member: Pingable, slot: int) -> None:
        members = self._members[slot]
        if member not in members:
            return
        members.discard(member)
        self._count -= 1
        if self._count == 0:
            self.stop()  # no timer at all while no stream is open

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def sizes(self) -> list[int]:
        """Members per slice (for tests and the status page's curiosity)."""
        return [len(m) for m in self._members]

    def tick_once(self) -> int:
        """Ping the members of the slice that is due; returns how many were pinged."""
        members = self._members[self._due]
        self._due = (self._due + 1) % self.slots
        for member in list(members):
            member.ping()
        return len(members)

    async def _run(self) -> None:
        while True:
            await self._clock.sleep(self.tick)
            self.tick_once()
