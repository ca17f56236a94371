"""First loads: one at a time per restaurant (across replicas with a shared store), the
saved copy first, Toast only when there is none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

from msgspec.structs import replace

from app.clock import Clock
from app.errors import NotFound, RelayError, ToastError, ToastForbidden, ToastNotFound
from app.refresh import decide
from app.refresh.background import Background
from app.refresh.budget import FIRST_LOAD_CALLS
from app.refresh.copies import Copies
from app.refresh.display import Display
from app.refresh.loader import SnapshotLoader
from app.refresh.timing import TICK, Timing, now_of
from app.refresh.tracked import Tracked
from app.serve.views import MenuView
from app.store.coordination import Lease
from app.store.snapshot_record import Snapshot
from app.toast.limiter import Priority, UpstreamLimiter

LOAD_LEASE = 30.0
"""Seconds one replica may take for a first load before another tries (shared stores)."""


class FirstLoads:
    def __init__(
        self, *, loader: SnapshotLoader, copies: Copies, display: Display, lease: Lease,
        clock: Clock, timing: Timing, background: Background,
        limiter: UpstreamLimiter | None, rng: random.Random, logger: logging.Logger,
    ) -> None:
        self._loader = loader
        self._copies = copies
        self._display = display
        self._lease = lease
        self._clock = clock
        self._timing = timing
        self._background = background
        self._limiter = limiter
        """For priorities: a screen waiting moves a background load ahead."""
        self._rng = rng
        self._log = logger
        self._priority: dict[str, Priority] = {}
        """The most urgent caller waiting for each load under way."""

    def loading(self, t: Tracked, priority: Priority) -> asyncio.Future[MenuView]:
        """The first load of ``t`` under way (started now if none); a more urgent caller
        (a screen) moves a background load ahead in the upstream limiter."""
        if t.loading_task is None:
            t.state = replace(t.state, loading=True)
            self._priority[t.guid] = priority
            t.loading_task = asyncio.ensure_future(self._first_load(t, priority))
        elif priority < self._priority.get(t.guid, priority):
            self._priority[t.guid] = priority
            if self._limiter is not None:
                self._limiter.boost(t.guid, priority)
        return t.loading_task

    async def load(self, t: Tracked, priority: Priority) -> None:
        """Load ``t`` for nobody in particular (warm-up, a retry); failures are recorded."""
        with contextlib.suppress(RelayError):
            await asyncio.shield(self.loading(t, priority))

    def retry(self, t: Tracked) -> None:
        """A configured restaurant whose first load failed is tried again, with backoff."""
        t.state = decide.first_load_retried(t.state, now_of(self._clock),
                                            self._timing.intervals(t.guid), self._rng)
        self._background.spawn(self.load(t, Priority.BACKGROUND))

    async def within_wait(self, load: asyncio.Future[MenuView]) -> MenuView | None:
        """The loaded view, or None once ``first_load_wait`` passed on the clock (the load
        goes on: the next request may find it done)."""
        shielded = asyncio.shield(load)
        timer = asyncio.ensure_future(self._clock.sleep(self._timing.first_load_wait))
        waiters: set[asyncio.Future[Any]] = {shielded, timer}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            return shielded.result() if shielded.done() else None
        finally:
            timer.cancel()
            shielded.cancel()  # only the wrapper: the load itself goes on

    def eta(self) -> int:
        """Seconds until a first load asked for now is likely done (a Retry-After)."""
        if self._limiter is None:
            return max(1, round(self._timing.first_load_wait))
        return self._limiter.eta(Priority.FIRST_LOAD, calls=FIRST_LOAD_CALLS)

    async def restore(self, t: Tracked) -> None:
        """Start from the saved copy (checked at once unless another replica just did)."""
        if t.view is not None:
            return
        snap = await self._copies.usable(t.guid)
        if snap is not None:
            # Confirmed within an interval, it is served as it was before the restart, byte
            # for byte (boards' conditional requests get 304s); older, it is stale until
            # confirmed. A failing check marks it stale either way.
            stale = not self._copies.recent(snap)
            self._display.show(t, await self._display.build(t, snap, stale=stale), snap)
            t.state = decide.loaded(t.state, now_of(self._clock),
                                    self._timing.intervals(t.guid),
                                    check_now=not self._copies.fresh(snap),
                                    checked_at=snap.checked_at)
            self._log.info("restored saved menu", extra={"restaurant": t.guid})
        else:
            await self.load(t, Priority.BACKGROUND)

    async def _first_load(self, t: Tracked, priority: Priority) -> MenuView:
        leased = False
        try:
            # A copy saved before a restart is served at once (stale unless confirmed within an
            # interval, as in ``restore``) and checked right away.
            snap = await self._copies.usable(t.guid)
            if snap is None and self._copies.shared:
                snap, leased = await self._shared_first_load(t.guid)
            check_now = snap is not None and not self._copies.fresh(snap)
            fetched = snap is None
            if snap is None:
                snap = await self._loader.fetch(t.guid, priority)
            # Built before it is stored: the menus are decoded (and their shape checked)
            # only in the build, so a menu Toast sent in a shape we cannot read is never
            # saved over a good copy.
            view = await self._display.build(
                t, snap, stale=not fetched and not self._copies.recent(snap))
            if fetched:
                await self._copies.keep(snap.released())
            self._display.show(t, view, snap)
            t.state = decide.loaded(t.state, now_of(self._clock),
                                    self._timing.intervals(t.guid), check_now=check_now,
                                    checked_at=snap.checked_at)
            t.not_found = None
            return view
        except (ToastForbidden, ToastNotFound) as exc:
            t.not_found = NotFound(
                f"Toast does not give this relay restaurant {t.guid} ({exc.detail}); check the "
                "GUID and that the restaurant connected your API client"
            )
            t.state = decide.first_load_failed(
                t.state, exc,
                refused_until=self._clock.monotonic() + self._timing.not_found_ttl)
            self._log.warning("restaurant not accessible", extra={
                "restaurant": t.guid, "error": t.state.last_error})
            raise t.not_found from None
        except ToastError as exc:
            t.state = decide.first_load_failed(t.state, exc)
            self._log.warning("first load failed", extra={
                "restaurant": t.guid, "error": t.state.last_error})
            raise
        finally:
            t.loading_task = None
            t.state = replace(t.state, loading=False)
            if self._priority.pop(t.guid, None) is not None and self._limiter is not None:
                self._limiter.unboost(t.guid)
            if leased:
                await self._lease.release(f"load:{t.guid}")

    async def _shared_first_load(self, guid: str) -> tuple[Snapshot | None, bool]:
        """Single flight across replicas: one fetches, the others wait for its stored copy.

        Returns (copy, False) when another replica stored one, (None, True) when this
        replica holds the load lease and must fetch (a dead holder's lease expires).
        """
        name = f"load:{guid}"
        while True:
            if await self._lease.acquire(name, LOAD_LEASE):
                snap = await self._copies.usable(guid)  # stored just before we got the lease?
                return snap, snap is None
            await self._clock.sleep(TICK)
            snap = await self._copies.usable(guid)
            if snap is not None:
                return snap, False
