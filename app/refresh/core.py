"""What the menu service's parts share: per-restaurant state, the stores, and how a new
view is shown (and published to push clients)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Literal

from app.clock import Clock
from app.menu.model import StockEntry
from app.refresh import policy
from app.refresh.decide import Intervals, Now
from app.refresh.loader import SnapshotLoader
from app.refresh.pacing import HEAVY_ROWS, Pacer, Starter
from app.refresh.tracked import Tracked
from app.serve.history import History
from app.serve.push import ChangeFeed
from app.serve.views import MenuView
from app.store.coordination import Lease, LocalLease, LocalNotifier, Notifier
from app.store.snapshot_record import Snapshot
from app.toast.limiter import Priority, UpstreamLimiter

CacheResult = Literal["HIT", "MISS", "STALE"]
TICK = 0.25
"""Seconds between looks at which restaurants are due (cheap: no I/O unless one is)."""
CHECKED_SAVE_EVERY = 600.0
"""Store "Toast confirmed this copy" at most this often (it rewrites the record)."""
FIRST_LOAD_WAIT = 10.0
"""Longest a screen waits for a first load before a 503 with Retry-After (never a hang)."""
WARM_CONCURRENCY = 16
"""Configured restaurants loaded at once at start-up, so they finish one after another
(Toast's rate, not this number, sets how long the whole warm-up takes)."""
LOAD_LEASE = 30.0
"""Seconds one replica may take for a first load before another tries (shared stores)."""


class ServiceCore:
    def __init__(
        self,
        *,
        loader: SnapshotLoader,
        clock: Clock,
        refresh_interval: float,
        stock_interval: float,
        stale_max: float,
        idle_after: float,
        not_found_ttl: float,
        intervals: Callable[[str], Intervals] | None = None,
        changes: ChangeFeed | None = None,
        lease: Lease | None = None,
        notifier: Notifier | None = None,
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
        history: History | None = None,
        pacer: Pacer | None = None,
        starts: Starter | None = None,
        limiter: UpstreamLimiter | None = None,
        first_load_wait: float = FIRST_LOAD_WAIT,
    ) -> None:
        self._loader = loader
        self._clock = clock
        self.refresh_interval = refresh_interval
        self.stock_interval = stock_interval
        self.stale_max = stale_max
        self.idle_after = idle_after
        self.not_found_ttl = not_found_ttl
        fixed = Intervals(refresh_interval, stock_interval)
        self.intervals: Callable[[str], Intervals] = intervals or (lambda guid: fixed)
        """Each restaurant's effective intervals (a budget planner may replace this)."""
        self.changes = changes or ChangeFeed()
        self._lease = lease or LocalLease()
        self._notifier = notifier or LocalNotifier()
        self._log = logger or logging.getLogger("toast_relay.refresh")
        self._rng = rng or random.Random()
        self.history = history or History(size=100)
        self._limiter = limiter
        """For priorities: a screen waiting moves a background load ahead."""
        self.first_load_wait = first_load_wait
        self._load_priority: dict[str, Priority] = {}
        self._tracked: dict[str, Tracked] = {}
        self.pacer = pacer or Pacer()
        """Every render goes through it, so a thousand due at once never hold the loop."""
        self.starts = starts or Starter()
        """The tick starts plans through it, a batch per loop iteration."""
        self._tasks: set[asyncio.Task[Any]] = set()

    def count(self) -> int:
        """How many restaurants are tracked (polled) now; the budget plans for them."""
        return len(self._tracked)

    def _now(self) -> Now:
        return Now(self._clock.monotonic(), self._clock.now())

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _show(self, t: Tracked, view: MenuView, snap: Snapshot | None = None) -> None:
        """Serve a new view and tell push clients when its bytes changed; note it in the
        change history."""
        before = t.view
        self.history.record(t.guid, before, view, self._clock.now())
        t.show(view, snap)
        if before is None or before.json.etag != view.json.etag:
            self.changes.publish(t.guid, view.json.etag)

    async def _render(self, t: Tracked, job: Callable[[], MenuView], rows: int) -> MenuView:
        """Render in turn with the others (``app.refresh.pacing``), with every shape screens
        asked of the current view, so the first screen after the change gets ready bytes."""
        before = t.view

        def render() -> MenuView:
            view = job()
            if before is not None:
                view.prerender(before.shapes())
            return view

        return await self.pacer.run(render, heavy=rows > HEAVY_ROWS)

    async def _build(self, t: Tracked, snap: Snapshot, *, stale: bool) -> MenuView:
        """A view of ``snap`` as of now."""
        return await self._render(t, lambda: self._loader.build_view(
            snap, stale=stale, now=self._clock.now()), snap.rows_hint)

    async def _changed(self, t: Tracked, view: MenuView, *, stale: bool | None = None,
                       stock: Sequence[StockEntry] | None = None) -> MenuView:
        """``view`` with a new stale flag or stock."""
        return await self._render(t, lambda: view.with_changes(
            stale=stale, stock=stock, now=self._clock.now()), len(view.rows))

    def _track(self, guid: str) -> Tracked:
        t = self._tracked.get(guid)
        if t is None:
            mono = self._clock.monotonic()
            t = Tracked(guid=guid, last_requested=mono, next_check=mono, next_stock=mono)
            self._tracked[guid] = t
        return t

    async def _stored(self, snap: Snapshot) -> None:
        """Save ``snap`` and, when it was newer than the stored copy, tell other replicas."""
        if await self._loader.save(snap):
            await self._notifier.announce(snap.guid, max(snap.version))

    async def _usable_saved(self, guid: str) -> Snapshot | None:
        """The saved copy, unless Toast last confirmed it longer ago than RELAY_STALE_MAX."""
        snap = await self._loader.saved(guid)
        if snap is None or not policy.servable(snap.checked_at, self._clock.now(),
                                               self.stale_max):
            return None
        return snap

    def _fresh(self, snap: Snapshot) -> bool:
        """A shared copy another replica confirmed within the interval needs no check now."""
        return (self._loader.store.shared
                and self._clock.now() - snap.checked_at < self.intervals(snap.guid).refresh)
