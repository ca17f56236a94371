"""The menu service: first loads, stale-while-revalidate, and the refresh loop.

Screens never wait for Toast once a copy exists. A background loop checks each
active restaurant's ``/menus/v2/metadata`` every ``RELAY_REFRESH_INTERVAL`` and
fetches ``/menus/v2/menus`` only when ``lastUpdated`` changed; stock is polled on
its own interval and overlaid without re-flattening. Failures keep the last good
copy, marked stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from app.cache import policy
from app.cache.loader import Snapshot, SnapshotLoader
from app.cache.status import RestaurantFacts
from app.cache.tracked import Tracked
from app.cache.views import MenuView, RestaurantInfo
from app.clock import Clock
from app.errors import (
    EmptyMenu,
    NotFound,
    NotReady,
    RelayError,
    ToastError,
    ToastForbidden,
    ToastNotFound,
)

CacheResult = Literal["HIT", "MISS", "STALE"]
TICK = 0.25
CHECKED_SAVE_EVERY = 600.0
"""Persist "Toast confirmed this copy" at most this often (it is only a few bytes)."""
"""Seconds between looks at which restaurants are due (cheap: no I/O unless one is)."""


class MenuService:
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
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._loader = loader
        self._clock = clock
        self.refresh_interval = refresh_interval
        self.stock_interval = stock_interval
        self.stale_max = stale_max
        self.idle_after = idle_after
        self.not_found_ttl = not_found_ttl
        self._log = logger or logging.getLogger("toast_relay.refresh")
        self._rng = rng or random.Random()
        self._tracked: dict[str, Tracked] = {}
        self._checks: set[asyncio.Task[None]] = set()

    # --- what requests call --------------------------------------------------

    async def view(self, guid: str) -> tuple[MenuView, CacheResult]:
        """The current view for ``guid``; loads it once if there is none yet."""
        t = self._track(guid)
        t.last_requested = self._clock.monotonic()
        if t.view is not None:
            if not policy.servable(t.checked_at, self._clock.now(), self.stale_max):
                raise NotReady(
                    f"the last good menu for {guid} was last confirmed by Toast longer ago "
                    f"than RELAY_STALE_MAX and checks still fail "
                    f"({t.last_error or 'no check has succeeded since'}); "
                    "check /readyz and Toast's status page"
                )
            return t.view, "STALE" if t.view.stale else "HIT"
        if t.not_found is not None and self._clock.monotonic() < t.not_found_until:
            raise t.not_found
        if t.loading is None:
            t.loading = asyncio.ensure_future(self._first_load(t))
        view = await asyncio.shield(t.loading)
        return view, "STALE" if view.stale else "MISS"

    async def warm(self, guids: Iterable[str]) -> None:
        """Pin configured restaurants, load their saved copies and check them now."""
        for guid in guids:
            t = self._track(guid)
            t.pinned = True
        await asyncio.gather(*(self._restore(t) for t in list(self._tracked.values())))

    async def refresh(self, guid: str) -> MenuView:
        """Refresh one restaurant now (admin); menus are re-fetched, within Toast's limits."""
        t = self._track(guid)
        t.last_requested = self._clock.monotonic()
        if t.view is None:
            return (await self.view(guid))[0]
        await self._check(t, force=True)
        if t.view is None:  # pragma: no cover - a check never removes a view
            raise NotReady(f"no copy of {guid} yet")
        return t.view

    def facts(self) -> list[RestaurantFacts]:
        """Every tracked restaurant as operators see it (numbers; see ``app.cache.status``)."""
        return [t.facts(self._clock) for t in self._tracked.values()]

    def facts_of(self, guid: str) -> RestaurantFacts | None:
        t = self._tracked.get(guid)
        return t.facts(self._clock) if t is not None else None

    def known(self) -> list[str]:
        return list(self._tracked)

    def info(self, guid: str) -> RestaurantInfo | None:
        t = self._tracked.get(guid)
        return t.view.info if t is not None and t.view is not None else None

    # --- the loop ------------------------------------------------------------

    async def run(self) -> None:
        """Check due restaurants every ``TICK`` seconds until cancelled."""
        try:
            while True:
                self.tick()
                await self._clock.sleep(TICK)
        finally:
            for task in list(self._checks):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*self._checks, return_exceptions=True)

    def tick(self) -> None:
        """Start the checks that are due (at most one per restaurant at a time)."""
        mono = self._clock.monotonic()
        for guid, t in list(self._tracked.items()):
            if policy.is_idle(t.last_requested, mono, self.idle_after, t.pinned):
                self._log.info("restaurant idle, polling stopped", extra={"restaurant": guid})
                del self._tracked[guid]
                continue
            if t.view is None:
                if t.pinned and t.loading is None and mono >= t.next_check:
                    self._retry_first_load(t)
                continue
            if t.checking.locked():
                continue
            if mono >= t.next_check or mono >= t.next_stock or self._reprice_due(t):
                task = asyncio.ensure_future(self._check(t))
                self._checks.add(task)
                task.add_done_callback(self._checks.discard)

    # --- internals -----------------------------------------------------------

    def _retry_first_load(self, t: Tracked) -> None:
        """A configured restaurant whose first load failed is tried again, with backoff."""
        t.failures += 1
        t.next_check = self._clock.monotonic() + policy.failure_delay(
            self.refresh_interval, t.failures, rng=self._rng)

        async def load() -> None:
            with contextlib.suppress(RelayError):
                await self.view(t.guid)

        task = asyncio.ensure_future(load())
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    def _track(self, guid: str) -> Tracked:
        t = self._tracked.get(guid)
        if t is None:
            mono = self._clock.monotonic()
            t = Tracked(guid=guid, last_requested=mono, next_check=mono, next_stock=mono)
            self._tracked[guid] = t
        return t

    def _reprice_due(self, t: Tracked) -> bool:
        until = t.view.valid_until if t.view else None
        return until is not None and datetime.fromtimestamp(self._clock.now(), UTC) >= until

    async def _restore(self, t: Tracked) -> None:
        """Start from the copy saved on disk (marked stale until Toast confirms it)."""
        if t.view is not None:
            return
        snap = await self._usable_saved(t.guid)
        if snap is not None:
            t.view = self._loader.build_view(snap, stale=True, now=self._clock.now())
            t.snapshot = snap
            t.checked_at = snap.checked_at
            self._log.info("restored saved menu", extra={"restaurant": t.guid})
        else:
            with contextlib.suppress(RelayError):
                await self.view(t.guid)

    async def _usable_saved(self, guid: str) -> Snapshot | None:
        """The saved copy, unless Toast last confirmed it longer ago than RELAY_STALE_MAX."""
        snap = await self._loader.saved(guid)
        if snap is None or not policy.servable(snap.checked_at, self._clock.now(),
                                               self.stale_max):
            return None
        return snap

    async def _first_load(self, t: Tracked) -> MenuView:
        try:
            # A copy saved before a restart is served at once (marked stale until Toast
            # confirms it, which the loop checks right away).
            snap = await self._usable_saved(t.guid)
            stale = snap is not None
            if snap is None:
                snap = await self._loader.fetch(t.guid)
                await self._loader.save(snap)
            view = self._loader.build_view(snap, stale=stale, now=self._clock.now())
            t.view, t.snapshot = view, snap
            t.checked_at = snap.checked_at
            t.failures = 0
            mono = self._clock.monotonic()
            t.next_check = mono if stale else mono + self.refresh_interval
            t.next_stock = mono if stale else mono + self.stock_interval
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
            t.loading = None

    async def _check(self, t: Tracked, *, force: bool = False) -> None:
        # One check per restaurant at a time: an admin refresh waits for a running one.
        async with t.checking:
            mono = self._clock.monotonic()
            if force or mono >= t.next_check:
                await self._check_menu(t, force=force)
            if force or mono >= t.next_stock:
                await self._check_stock(t)
            if self._reprice_due(t) and t.view is not None:
                t.view = self._loader.rebuild(t, now=self._clock.now())

    async def _check_menu(self, t: Tracked, *, force: bool) -> None:
        assert t.snapshot is not None and t.view is not None
        started = self._clock.monotonic()
        try:
            last_updated = await self._loader.last_updated(t.guid)
            if force or policy.menus_changed(t.snapshot.last_updated, last_updated):
                snap = await self._loader.fetch_menus(t.snapshot)
                new = self._loader.build_view(snap, stale=False, now=self._clock.now())
                if policy.is_empty_regression(len(t.view.rows), len(new.flat.rows)):
                    raise EmptyMenu(f"Toast returned a menu with no items for {t.guid}; "
                                    f"keeping the last good copy ({len(t.view.rows)} items)",
                                    endpoint="/menus/v2/menus")
                await self._loader.save(snap)
                t.snapshot, t.view = snap, new
                self._log.info("menu updated", extra={
                    "restaurant": t.guid, "lastUpdated": snap.last_updated,
                    "rows": len(new.rows)})
            elif t.view.stale:
                t.view = t.view.with_changes(stale=False, now=self._clock.now())
            now = self._clock.now()
            if now - t.checked_at >= CHECKED_SAVE_EVERY:
                await self._loader.save_checked(t.guid, now)
            t.checked_at = now
            t.failures = 0
            t.last_error = None
            t.next_check = started + self.refresh_interval
        except Exception as exc:
            # Anything (Toast, a full disk, a bug) keeps the last good copy, marks it
            # stale and backs off; a check must never be retried every tick.
            t.failures += 1
            t.last_error = policy.error_text(exc)
            delay = policy.failure_delay(self.refresh_interval, t.failures, exc, rng=self._rng)
            t.next_check = self._clock.monotonic() + delay
            if not t.view.stale:
                t.view = t.view.with_changes(stale=True, now=self._clock.now())
            self._log.warning("refresh failed, serving last good copy", extra={
                "restaurant": t.guid, "error": t.last_error, "retryIn": round(delay, 1)})

    async def _check_stock(self, t: Tracked) -> None:
        assert t.snapshot is not None and t.view is not None
        started = self._clock.monotonic()
        try:
            snap = await self._loader.fetch_stock(t.snapshot)
            if snap is not t.snapshot:  # the loader hands back the same one when unchanged
                t.snapshot = snap
                t.view = t.view.with_changes(stock=snap.stock, now=self._clock.now())
                await self._loader.save_stock(snap)
            t.stock_error = None
            t.stock_failures = 0
            t.next_stock = started + self.stock_interval
        except Exception as exc:
            # Keep the last known stock: a board flipping sold-out items back to
            # available on a Toast hiccup would be worse than a minute's lag.
            t.stock_error = policy.error_text(exc)
            t.stock_failures += 1
            t.next_stock = self._clock.monotonic() + policy.failure_delay(
                self.stock_interval, t.stock_failures, exc, rng=self._rng)


__all__ = ["CacheResult", "MenuService", "Snapshot"]
