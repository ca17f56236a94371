"""First loads: single flight (across replicas with a shared store), saved copies first."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from app.errors import NotFound, NotReady, RelayError, ToastError, ToastForbidden, ToastNotFound
from app.refresh import decide, policy
from app.refresh.core import LOAD_LEASE, TICK, CacheResult, ServiceCore
from app.refresh.tracked import Tracked
from app.serve.views import MenuView
from app.store.snapshot_record import Snapshot
from app.toast.limiter import Priority


class Loads(ServiceCore):
    def cached(self, guid: str) -> tuple[MenuView, CacheResult] | None:
        """The view for ``guid`` when one is held (the hot path: no coroutine to await);
        None when it must be loaded first (``view``)."""
        t = self._tracked.get(guid)
        if t is None or t.view is None:
            return None
        t.last_requested = self._clock.monotonic()
        if not policy.servable(t.checked_at, self._clock.now(), self.stale_max):
            raise NotReady(
                f"the last good menu for {guid} was last confirmed by Toast longer ago "
                f"than RELAY_STALE_MAX and checks still fail "
                f"({t.last_error or 'no check has succeeded since'}); "
                "check /readyz and Toast's status page"
            )
        return t.view, "STALE" if t.view.stale else "HIT"

    async def view(self, guid: str) -> tuple[MenuView, CacheResult]:
        """The current view for ``guid``; loads it once if there is none yet."""
        held = self.cached(guid)
        if held is not None:
            return held
        t = self._track(guid)
        t.last_requested = self._clock.monotonic()
        if t.not_found is not None and self._clock.monotonic() < t.not_found_until:
            raise t.not_found
        view = await self._within_wait(self._loading(t, Priority.FIRST_LOAD))
        if view is None:
            wait = self._load_eta()
            raise NotReady(f"the menu for {guid} is still loading (Toast allows the relay only "
                           f"so many calls a second); ask again in {wait} s", retry_after=wait)
        return view, "STALE" if view.stale else "MISS"

    def _retry_first_load(self, t: Tracked) -> None:
        """A configured restaurant whose first load failed is tried again, with backoff."""
        decide.first_load_retried(t, self._now(), self.intervals(t.guid), self._rng)
        self._spawn(self._load(t, Priority.BACKGROUND))

    def _loading(self, t: Tracked, priority: Priority) -> asyncio.Future[MenuView]:
        """The first load of ``t`` under way (started now if none); a more urgent caller
        (a screen) moves a background load ahead in the upstream limiter."""
        if t.loading_task is None:
            t.loading = True
            self._load_priority[t.guid] = priority
            t.loading_task = asyncio.ensure_future(self._first_load(t, priority))
        elif priority < self._load_priority.get(t.guid, priority):
            self._load_priority[t.guid] = priority
            if self._limiter is not None:
                self._limiter.boost(t.guid, priority)
        return t.loading_task

    async def _load(self, t: Tracked, priority: Priority) -> None:
        """Load ``t`` for nobody in particular (warm-up, a retry); failures are recorded."""
        with contextlib.suppress(RelayError):
            await asyncio.shield(self._loading(t, priority))

    async def _within_wait(self, load: asyncio.Future[MenuView]) -> MenuView | None:
        """The loaded view, or None once ``first_load_wait`` passed on the clock (the load
        goes on: the next request may find it done)."""
        shielded = asyncio.shield(load)
        timer = asyncio.ensure_future(self._clock.sleep(self.first_load_wait))
        waiters: set[asyncio.Future[Any]] = {shielded, timer}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            return shielded.result() if shielded.done() else None
        finally:
            timer.cancel()
            shielded.cancel()  # only the wrapper: the load itself goes on

    def _load_eta(self) -> int:
        """Seconds until a first load asked for now is likely done (a Retry-After)."""
        if self._limiter is None:
            return max(1, round(self.first_load_wait))
        return self._limiter.eta(Priority.FIRST_LOAD, calls=3)

    async def _restore(self, t: Tracked) -> None:
        """Start from the saved copy (marked stale until Toast confirms it)."""
        if t.view is not None:
            return
        snap = await self._usable_saved(t.guid)
        if snap is not None:
            fresh = self._fresh(snap)
            self._show(t, await self._build(t, snap, stale=not fresh), snap)
            decide.loaded(t, self._now(), self.intervals(t.guid), stale=not fresh,
                          checked_at=snap.checked_at)
            self._log.info("restored saved menu", extra={"restaurant": t.guid})
        else:
            await self._load(t, Priority.BACKGROUND)

    async def _first_load(self, t: Tracked, priority: Priority) -> MenuView:
        leased = False
        try:
            # A copy saved before a restart is served at once (marked stale until Toast
            # confirms it, which the loop checks right away).
            snap = await self._usable_saved(t.guid)
            if snap is None and self._loader.store.shared:
                snap, leased = await self._shared_first_load(t.guid)
            stale = snap is not None and not self._fresh(snap)
            fetched = snap is None
            if snap is None:
                snap = await self._loader.fetch(t.guid, priority)
            # Built before it is stored: the menus are decoded (and their shape checked)
            # only in the build, so a menu Toast sent in a shape we cannot read is never
            # saved over a good copy.
            view = await self._build(t, snap, stale=stale)
            if fetched:
                await self._stored(snap.released())
            self._show(t, view, snap)
            decide.loaded(t, self._now(), self.intervals(t.guid), stale=stale,
                          checked_at=snap.checked_at)
            t.not_found = None
            return view
        except (ToastForbidden, ToastNotFound) as exc:
            t.not_found = NotFound(
                f"Toast does not give this relay restaurant {t.guid} ({exc.detail}); check the "
                "GUID and that the restaurant connected your API client"
            )
            t.not_found_until = self._clock.monotonic() + self.not_found_ttl
            t.last_error = policy.error_text(exc)
            self._log.warning("restaurant not accessible", extra={
                "restaurant": t.guid, "error": t.last_error})
            raise t.not_found from None
        except ToastError as exc:
            t.last_error = policy.error_text(exc)
            self._log.warning("first load failed", extra={
                "restaurant": t.guid, "error": t.last_error})
            raise
        finally:
            t.loading_task = None
            t.loading = False
            if self._load_priority.pop(t.guid, None) is not None and self._limiter is not None:
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
                snap = await self._usable_saved(guid)  # stored just before we got the lease?
                return snap, snap is None
            await self._clock.sleep(TICK)
            snap = await self._usable_saved(guid)
            if snap is not None:
                return snap, False
