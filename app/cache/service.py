"""The menu service: first loads, stale-while-revalidate, and carrying out refresh plans.

Screens never wait for Toast once a copy exists. What to do for each restaurant
(check ``/menus/v2/metadata``, fetch ``/menus/v2/menus`` only when ``lastUpdated``
changed, poll stock, re-price, back off, go idle) is decided by the pure rules in
``app/cache/decide.py`` from its state and an event: the loop's tick every
``TICK`` seconds, a webhook, an admin refresh, or a change stored by another
replica. This module only carries the plans out. Failures keep the last good
copy, marked stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Literal

from app.cache import decide, policy
from app.cache.changes import ChangeFeed
from app.cache.decide import Event, Intervals, Now, Plan
from app.cache.history import History
from app.cache.loader import SnapshotLoader
from app.cache.pacing import HEAVY_ROWS, Pacer
from app.cache.shared import Lease, LocalLease, LocalNotifier, Notifier
from app.cache.snapshot import Snapshot
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
from app.menu.model import StockEntry

CacheResult = Literal["HIT", "MISS", "STALE"]
TICK = 0.25
"""Seconds between looks at which restaurants are due (cheap: no I/O unless one is)."""
CHECKED_SAVE_EVERY = 600.0
"""Store "Toast confirmed this copy" at most this often (it rewrites the record)."""


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
        intervals: Callable[[str], Intervals] | None = None,
        changes: ChangeFeed | None = None,
        lease: Lease | None = None,
        notifier: Notifier | None = None,
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
        pacer: Pacer | None = None,
        history: History | None = None,
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
        self._tracked: dict[str, Tracked] = {}
        self.pacer = pacer or Pacer()
        """Every render goes through it, so a thousand due at once never hold the loop."""
        self._tasks: set[asyncio.Task[Any]] = set()

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
        if t.loading_task is None:
            t.loading = True
            t.loading_task = asyncio.ensure_future(self._first_load(t))
        view = await asyncio.shield(t.loading_task)
        return view, "STALE" if view.stale else "MISS"

    async def warm(self, guids: Iterable[str]) -> None:
        """Pin configured restaurants, load their saved copies and check them now."""
        for guid in guids:
            self._track(guid).pinned = True
        await asyncio.gather(*(self._restore(t) for t in list(self._tracked.values())))

    async def refresh(self, guid: str) -> MenuView:
        """Refresh one restaurant now (admin); menus are re-fetched, within Toast's limits."""
        t = self._track(guid)
        t.last_requested = self._clock.monotonic()
        if t.view is None:
            return (await self.view(guid))[0]
        await self.handle(guid, Event.ADMIN)
        if t.view is None:  # pragma: no cover - a check never removes a view
            raise NotReady(f"no copy of {guid} yet")
        return t.view

    async def handle(self, guid: str, event: Event) -> None:
        """Carry out what ``event`` (webhook, admin, remote change) calls for, now.

        Restaurants nobody asked for are not tracked, so their events are ignored:
        the first request loads the current menu anyway.
        """
        t = self._tracked.get(guid)
        if t is None:
            return
        plan = decide.decide(t, event, self._now(), self.idle_after)
        if plan.first_load:
            self._retry_first_load(t)
        elif not plan.idle and not plan.drop:
            await self._carry_out(t, plan)

    def facts(self) -> list[RestaurantFacts]:
        """Every tracked restaurant as operators see it (numbers; see ``app.cache.status``)."""
        return [t.facts(self._clock) for t in self._tracked.values()]

    def facts_of(self, guid: str) -> RestaurantFacts | None:
        t = self._tracked.get(guid)
        return t.facts(self._clock) if t is not None else None

    def known(self) -> list[str]:
        return list(self._tracked)

    def count(self) -> int:
        """How many restaurants are tracked (polled) now; the budget plans for them."""
        return len(self._tracked)

    async def menus_body(self, guid: str) -> tuple[bytes, CacheResult]:
        """Toast's ``/menus`` bytes behind the current view (loaded first if need be)."""
        _, cache = await self.view(guid)
        t = self._tracked.get(guid)
        if t is None or t.snapshot is None:  # pragma: no cover - a view has its snapshot
            raise NotReady(f"no copy of {guid} yet")
        return t.snapshot.menus_body, cache

    def current(self, guid: str) -> MenuView | None:
        """The view screens get now, if there is one (no loading, no access noted)."""
        t = self._tracked.get(guid)
        return t.view if t is not None else None

    def info(self, guid: str) -> RestaurantInfo | None:
        t = self._tracked.get(guid)
        return t.view.info if t is not None and t.view is not None else None

    # --- the loop ------------------------------------------------------------

    async def run(self) -> None:
        """Tick every ``TICK`` seconds and hear other replicas' changes until cancelled."""
        self._spawn(self._notifier.run(self._on_remote))
        try:
            while True:
                self.tick()
                await self._clock.sleep(TICK)
        finally:
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def tick(self) -> None:
        """Start what is due (at most one check per restaurant at a time)."""
        now = self._now()
        for guid, t in list(self._tracked.items()):
            plan = decide.decide(t, Event.TICK, now, self.idle_after)
            if plan.drop:
                self._log.info("restaurant idle, polling stopped", extra={"restaurant": guid})
                del self._tracked[guid]
            elif plan.first_load:
                self._retry_first_load(t)
            elif not plan.idle:
                t.checking = True  # at once, so the next tick does not start another
                self._spawn(self._carry_out(t, plan))

    async def _on_remote(self, guid: str) -> None:
        await self.handle(guid, Event.REMOTE)

    # --- carrying out ----------------------------------------------------------

    def _now(self) -> Now:
        return Now(self._clock.monotonic(), self._clock.now())

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _show(self, t: Tracked, view: MenuView, snap: Snapshot | None = None) -> None:
        """Serve a new view and tell push clients when its bytes changed; note it in the
        change history."""
        before = t.view
        self.history.record(t.guid, before, view, self._clock.now())
        t.show(view, snap)
        if before is None or before.json.etag != view.json.etag:
            self.changes.publish(t.guid, view.json.etag)

    async def _render(self, t: Tracked, job: Callable[[], MenuView], rows: int) -> MenuView:
        """Render in turn with the others (``app.cache.pacing``), with every shape screens
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
                       stock: list[StockEntry] | None = None) -> MenuView:
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

    def _retry_first_load(self, t: Tracked) -> None:
        """A configured restaurant whose first load failed is tried again, with backoff."""
        decide.first_load_retried(t, self._now(), self.intervals(t.guid), self._rng)

        async def load() -> None:
            with contextlib.suppress(RelayError):
                await self.view(t.guid)

        self._spawn(load())

    async def _carry_out(self, t: Tracked, plan: Plan) -> None:
        # One check per restaurant at a time: an admin refresh waits for a running one.
        t.checking = True
        try:
            async with t.lock:
                if plan.reload:
                    await self._reload(t)
                if (plan.check or plan.fetch) and await self._lease_for(t, plan):
                    await self._check_menu(t, fetch=plan.fetch, check=plan.check)
                if plan.stock:
                    await self._check_stock(t)
                now = self._now()
                view, snap = t.view, t.snapshot
                if decide.reprice_due(t, now) and view is not None and snap is not None:
                    self._show(t, await self._render(
                        t, lambda: self._loader.rebuild(view, snap, now=now.wall),
                        len(view.rows)))
        finally:
            t.checking = t.lock.locked()

    async def _lease_for(self, t: Tracked, plan: Plan) -> bool:
        """Timer checks go to one replica; webhooks and admins act wherever they arrive."""
        if plan.fetch:
            return True
        if await self._lease.acquire(f"check:{t.guid}", self.intervals(t.guid).refresh):
            return True
        decide.taken_over(t, self._now(), self.intervals(t.guid), t.checked_at)
        return False

    async def _reload(self, t: Tracked) -> None:
        """Take a newer copy from the shared store (another replica fetched it)."""
        snap = await self._loader.saved(t.guid)
        if snap is None or (t.snapshot is not None and snap.version <= t.snapshot.version):
            return
        now = self._now()
        self._show(t, await self._build(t, snap, stale=False), snap)
        decide.taken_over(t, now, self.intervals(t.guid), snap.checked_at)

    async def _restore(self, t: Tracked) -> None:
        """Start from the saved copy (marked stale until Toast confirms it)."""
        if t.view is not None:
            return
        snap = await self._usable_saved(t.guid)
        if snap is not None:
            self._show(t, await self._build(t, snap, stale=True), snap)
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
                await self._stored(snap)
            view = await self._build(t, snap, stale=stale)
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

    async def _stored(self, snap: Snapshot) -> None:
        """Save ``snap`` and, when it was newer than the stored copy, tell other replicas."""
        if await self._loader.save(snap):
            await self._notifier.announce(snap.guid, max(snap.version))

    async def _check_menu(self, t: Tracked, *, fetch: bool, check: bool = True) -> None:
        assert t.snapshot is not None and t.view is not None
        started = self._now()
        try:
            changed = fetch
            if check:
                last_updated = await self._loader.last_updated(t.guid)
                changed = changed or policy.menus_changed(t.snapshot.last_updated, last_updated)
            if changed:
                snap = await self._loader.fetch_menus(t.snapshot)
                new = await self._build(t, snap, stale=False)
                if policy.is_empty_regression(len(t.view.rows), len(new.flat.rows)):
                    raise EmptyMenu(f"Toast returned a menu with no items for {t.guid}; "
                                    f"keeping the last good copy ({len(t.view.rows)} items)",
                                    endpoint="/menus/v2/menus")
                await self._stored(snap)
                self._show(t, new, snap)
                self._log.info("menu updated", extra={
                    "restaurant": t.guid, "lastUpdated": snap.last_updated,
                    "rows": len(new.rows)})
            elif t.view.stale:
                self._show(t, await self._changed(t, t.view, stale=False))
            now = self._clock.now()
            if now - t.checked_at >= CHECKED_SAVE_EVERY and not changed:
                t.snapshot = t.snapshot.confirmed(now)
                await self._stored(t.snapshot)
            decide.checked(t, started, now, self.intervals(t.guid))
        except Exception as exc:
            # Anything (Toast, a full disk, a bug) keeps the last good copy, marks it
            # stale and backs off; a check must never be retried every tick.
            delay = decide.check_failed(t, self._now(), self.intervals(t.guid), exc, self._rng)
            if not t.view.stale:
                self._show(t, await self._changed(t, t.view, stale=True))
            self._log.warning("refresh failed, serving last good copy", extra={
                "restaurant": t.guid, "error": t.last_error, "retryIn": round(delay, 1)})

    async def _check_stock(self, t: Tracked) -> None:
        assert t.snapshot is not None and t.view is not None
        started = self._now()
        try:
            snap = await self._loader.fetch_stock(t.snapshot)
            if snap is not t.snapshot:  # the loader hands back the same one when unchanged
                self._show(t, await self._changed(t, t.view, stock=snap.stock), snap)
                await self._stored(snap)
            decide.stock_polled(t, started, self.intervals(t.guid))
        except Exception as exc:
            decide.stock_failed(t, self._now(), self.intervals(t.guid), exc, self._rng)


__all__ = ["CacheResult", "MenuService", "Snapshot"]
