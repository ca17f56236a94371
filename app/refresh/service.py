"""The menu service: what the rest of the relay asks of the refresh engine.

Screens never wait for Toast once a copy exists. The service keeps the table of
restaurants it polls and composes the engine's parts from what it is given (the
loader, the lease, the notifier, the pacer, the limiter, the history and change feed):
``FirstLoads`` (the first copy of a restaurant), ``RefreshLoop`` (what is due, by the
pure rules of ``app/refresh/decide.py``), ``PlanRunner`` (carrying a plan out),
``Display`` (showing a new view and publishing it) and ``Copies`` (the saved copies).
Failures keep the last good copy, marked stale.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from typing import Literal

from msgspec.structs import replace

from app.clock import Clock
from app.errors import NotReady
from app.menu.restaurant import RestaurantInfo
from app.menu.stock import with_stock_event
from app.refresh import decide, policy
from app.refresh.background import Background
from app.refresh.copies import Copies
from app.refresh.decide import Event, Intervals, Plan
from app.refresh.display import Display
from app.refresh.first_loads import FirstLoads
from app.refresh.loader import SnapshotLoader
from app.refresh.loop import RefreshLoop
from app.refresh.pacing import Pacer, Starter
from app.refresh.plans import PlanRunner
from app.refresh.timing import FIRST_LOAD_WAIT, Timing, now_of
from app.refresh.tracked import Tracked
from app.serve.history import History
from app.serve.push import ChangeFeed
from app.serve.status import RestaurantFacts
from app.serve.views import MenuView
from app.store.coordination import Lease, LocalLease, LocalNotifier, Notifier
from app.toast.limiter import Priority, UpstreamLimiter
from app.webhooks.events import MenusUpdated, StockChanged

CacheResult = Literal["HIT", "MISS", "STALE"]
WARM_CONCURRENCY = 16
"""Configured restaurants loaded at once at start-up, so they finish one after another
(Toast's rate, not this number, sets how long the whole warm-up takes)."""


class MenuService:
    def __init__(
        self, *, loader: SnapshotLoader, clock: Clock, refresh_interval: float,
        stock_interval: float, stale_max: float, idle_after: float, not_found_ttl: float,
        intervals: Callable[[str], Intervals] | None = None,
        changes: ChangeFeed | None = None, lease: Lease | None = None,
        notifier: Notifier | None = None, logger: logging.Logger | None = None,
        rng: random.Random | None = None, history: History | None = None,
        pacer: Pacer | None = None, starts: Starter | None = None,
        limiter: UpstreamLimiter | None = None, first_load_wait: float = FIRST_LOAD_WAIT,
    ) -> None:
        self._loader = loader
        self._clock = clock
        self.timing = Timing(refresh_interval=refresh_interval, stock_interval=stock_interval,
                             stale_max=stale_max, idle_after=idle_after,
                             not_found_ttl=not_found_ttl, first_load_wait=first_load_wait,
                             intervals=intervals)
        self._tracked: dict[str, Tracked] = {}
        """Every restaurant held or polled, by GUID (the hot path reads it directly)."""
        log = logger or logging.getLogger("toast_relay.refresh")
        rng = rng or random.Random()
        lease = lease or LocalLease()
        notifier = notifier or LocalNotifier()
        self._background = Background()
        self._display = Display(builder=loader, clock=clock, pacer=pacer or Pacer(),
                                history=history or History(size=100),
                                changes=changes or ChangeFeed())
        self._copies = Copies(loader=loader, notifier=notifier, clock=clock, timing=self.timing)
        self._loads = FirstLoads(loader=loader, copies=self._copies, display=self._display,
                                 lease=lease, clock=clock, timing=self.timing,
                                 background=self._background, limiter=limiter, rng=rng,
                                 logger=log)
        self._plans = PlanRunner(loader=loader, copies=self._copies, display=self._display,
                                 lease=lease, clock=clock, timing=self.timing, rng=rng,
                                 logger=log)
        self._loop = RefreshLoop(tracked=self._tracked, clock=clock, timing=self.timing,
                                 carry_out=self._plans.carry_out,
                                 retry_first_load=self._loads.retry, notifier=notifier,
                                 follow_others=self._copies.shared,
                                 starts=starts or Starter(), background=self._background,
                                 logger=log)

    # --- parts other layers read ---------------------------------------------------

    @property
    def intervals(self) -> Callable[[str], Intervals]:
        """Each restaurant's effective intervals (a budget planner may replace this)."""
        return self.timing.intervals

    @intervals.setter
    def intervals(self, plan: Callable[[str], Intervals]) -> None:
        self.timing.intervals = plan

    @property
    def first_load_wait(self) -> float:
        return self.timing.first_load_wait

    @property
    def history(self) -> History:
        return self._display.history

    @property
    def changes(self) -> ChangeFeed:
        return self._display.changes

    @property
    def pacer(self) -> Pacer:
        """Every render goes through it, so a thousand due at once never hold the loop."""
        return self._display.pacer

    @pacer.setter
    def pacer(self, pacer: Pacer) -> None:
        self._display.pacer = pacer

    # --- screens ----------------------------------------------------------------------

    def cached(self, guid: str) -> tuple[MenuView, CacheResult] | None:
        """The view for ``guid`` when one is held (the hot path: no coroutine to await);
        None when it must be loaded first (``view``)."""
        t = self._tracked.get(guid)
        if t is None or t.view is None:
            return None
        t.last_requested = self._clock.monotonic()
        if not policy.servable(t.state.checked_at, self._clock.now(), self.timing.stale_max):
            raise NotReady(
                f"the last good menu for {guid} was last confirmed by Toast longer ago "
                f"than RELAY_STALE_MAX and checks still fail "
                f"({t.state.last_error or 'no check has succeeded since'}); "
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
        if t.not_found is not None and self._clock.monotonic() < t.state.not_found_until:
            raise t.not_found
        view = await self._loads.within_wait(self._loads.loading(t, Priority.FIRST_LOAD))
        if view is None:
            wait = self._loads.eta()
            raise NotReady(f"the menu for {guid} is still loading (Toast allows the relay only "
                           f"so many calls a second); ask again in {wait} s", retry_after=wait)
        return view, "STALE" if view.stale else "MISS"

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

    # --- operators ------------------------------------------------------------------

    async def warm(self, guids: Iterable[str]) -> None:
        """Pin configured restaurants, load their saved copies and check them now.

        A few load at a time (``WARM_CONCURRENCY``) in the background priority, so
        they finish one after another; a screen asking for one not loaded yet moves
        it ahead (FIRST_LOAD).
        """
        for guid in guids:
            t = self._track(guid)
            t.state = replace(t.state, pinned=True)
        gate = asyncio.Semaphore(WARM_CONCURRENCY)

        async def one(t: Tracked) -> None:
            async with gate:
                await self._loads.restore(t)

        await asyncio.gather(*(one(t) for t in list(self._tracked.values())))

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

    def facts(self) -> list[RestaurantFacts]:
        """Every tracked restaurant as operators see it (numbers; see ``app.serve.status``)."""
        return [t.facts(self._clock) for t in self._tracked.values()]

    def facts_of(self, guid: str) -> RestaurantFacts | None:
        t = self._tracked.get(guid)
        return t.facts(self._clock) if t is not None else None

    def can_serve(self, guid: str) -> bool:
        """A copy of ``guid`` is held that may still be served (Toast confirmed it within
        RELAY_STALE_MAX), whether or not Toast answers now."""
        t = self._tracked.get(guid)
        return t is not None and t.view is not None and policy.servable(
            t.state.checked_at, self._clock.now(), self.timing.stale_max)

    def known(self) -> list[str]:
        return list(self._tracked)

    def drop(self, guids: Iterable[str]) -> None:
        """Stop holding and polling these restaurants (no longer this account's after a
        reload); a check already running finishes unheard."""
        for guid in guids:
            self._tracked.pop(guid, None)

    def count(self) -> int:
        """How many restaurants are tracked (polled) now; the budget plans for them."""
        return len(self._tracked)

    # --- webhooks (they return at once; the fetching happens in the background) ------

    def serves(self, guid: str) -> bool:
        """Restaurants this relay holds or polls (configured ones are always tracked)."""
        return guid in self._tracked

    def menus_updated(self, event: MenusUpdated) -> None:
        """Fetch ``/menus`` at once, coalesced with a fetch already running."""
        t = self._tracked.get(event.restaurant)
        if t is None:
            return
        if t.view is None:  # no copy yet: the first load fetches the newest there is
            if not t.state.loading:
                self._loads.retry(t)
            return
        t.state, fetch_now = decide.webhook_heard(t.state, now_of(self._clock), t.held(),
                                                  event.published_at)
        if fetch_now:
            t.state = replace(t.state, checking=True)
            self._background.spawn(self._plans.carry_out(t, Plan(fetch=True)))

    def stock_changed(self, event: StockChanged) -> None:
        """Apply one item's stock change to the served answers now; the next poll confirms."""
        t = self._tracked.get(event.restaurant)
        if t is None or t.snapshot is None or t.view is None:
            return
        stock = with_stock_event(t.snapshot.stock, event.item_guid, event.status,
                                 event.quantity)
        now = self._clock.now()
        snap = t.snapshot.with_stock(stock, now)
        self._display.show(t, t.view.with_changes(stock=snap.stock, now=now), snap)
        # Other replicas take it from the shared store.
        self._background.spawn(self._copies.keep(snap))

    # --- the loop ------------------------------------------------------------------

    async def run(self) -> None:
        """Tick every ``TICK`` seconds and hear other replicas' changes until cancelled."""
        await self._loop.run()

    async def handle(self, guid: str, event: Event) -> None:
        """Carry out what ``event`` (webhook, admin, remote change) calls for, now."""
        await self._loop.handle(guid, event)

    def tick(self, guids: Iterable[str] | None = None) -> None:
        """Start what is due for ``guids``, or for every restaurant without them."""
        self._loop.tick(guids)

    def _track(self, guid: str) -> Tracked:
        t = self._tracked.get(guid)
        if t is None:
            t = self._tracked[guid] = Tracked.asked(guid, self._clock.monotonic())
        return t
