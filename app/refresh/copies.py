"""Each restaurant's saved copy: written after every change (other replicas are told),
read back at start-up and when another replica stored a newer one."""

from __future__ import annotations

from app.clock import Clock
from app.refresh import policy
from app.refresh.loader import SnapshotLoader
from app.refresh.timing import Timing
from app.store.coordination import Notifier
from app.store.snapshot_record import Snapshot


class Copies:
    def __init__(self, *, loader: SnapshotLoader, notifier: Notifier, clock: Clock,
                 timing: Timing) -> None:
        self._loader = loader
        self._notifier = notifier
        self._clock = clock
        self._timing = timing

    @property
    def shared(self) -> bool:
        """The store is shared with other replicas (Redis), not this process's own."""
        return self._loader.store.shared

    async def keep(self, snap: Snapshot) -> None:
        """Save ``snap`` and, when it was newer than the stored copy, tell other replicas."""
        if await self._loader.save(snap):
            await self._notifier.announce(snap.guid, max(snap.version))

    async def latest(self, guid: str) -> Snapshot | None:
        """The stored copy, however old."""
        return await self._loader.saved(guid)

    async def usable(self, guid: str) -> Snapshot | None:
        """The saved copy, unless Toast last confirmed it longer ago than RELAY_STALE_MAX."""
        snap = await self._loader.saved(guid)
        if snap is None or not policy.servable(snap.checked_at, self._clock.now(),
                                               self._timing.stale_max):
            return None
        return snap

    def recent(self, snap: Snapshot) -> bool:
        """Toast confirmed ``snap`` within one check interval: it is as current as any copy
        served between two checks, so it is not shown stale."""
        return self._clock.now() - snap.checked_at < self._timing.intervals(snap.guid).refresh

    def fresh(self, snap: Snapshot) -> bool:
        """A shared copy another replica confirmed within the interval needs no check now."""
        return self.shared and self.recent(snap)
