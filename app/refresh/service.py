"""The menu service: first loads, stale-while-revalidate, and carrying out refresh plans.

Screens never wait for Toast once a copy exists. What to do for each restaurant
(check ``/menus/v2/metadata``, fetch ``/menus/v2/menus`` only when ``lastUpdated``
changed, poll stock, re-price, back off, go idle) is decided by the pure rules in
``app/refresh/decide.py`` from its state and an event: the loop's tick every
``TICK`` seconds, a webhook, an admin refresh, or a change stored by another
replica. The service only carries the plans out (first loads in ``loads.py``,
checks in ``checks.py``). Failures keep the last good copy, marked stale.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from functools import partial

from app.errors import NotReady
from app.menu.restaurant import RestaurantInfo
from app.menu.stock import with_stock_event
from app.refresh import decide, policy
from app.refresh.checks import Checks
from app.refresh.core import TICK, WARM_CONCURRENCY, CacheResult
from app.refresh.decide import Event, Plan
from app.refresh.loads import Loads
from app.refresh.pacing import DECIDE_BATCH
from app.refresh.tracked import Tracked
from app.serve.status import RestaurantFacts
from app.serve.views import MenuView
from app.store.snapshot_record import Snapshot
from app.webhooks.events import MenusUpdated, StockChanged


class MenuService(Loads, Checks):
    async def warm(self, guids: Iterable[str]) -> None:
        """Pin configured restaurants, load their saved copies and check them now.

        A few load at a time (``WARM_CONCURRENCY``) in the background priority, so
        they finish one after another; a screen asking for one not loaded yet moves
        it ahead (FIRST_LOAD).
        """
        for guid in guids:
            self._track(guid).pinned = True
        gate = asyncio.Semaphore(WARM_CONCURRENCY)

        async def one(t: Tracked) -> None:
            async with gate:
                await self._restore(t)

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

    # --- what webhooks call (return at once; the loop does the fetching) --------

    def serves(self, guid: str) -> bool:
        """Restaurants this relay holds or polls (configured ones are always tracked)."""
        return guid in self._tracked

    def menus_updated(self, event: MenusUpdated) -> None:
        """Fetch ``/menus`` at once, coalesced with a fetch already running."""
        t = self._tracked.get(event.restaurant)
        if t is None:
            return
        if t.view is None:  # no copy yet: the first load fetches the newest there is
            if not t.loading:
                self._retry_first_load(t)
            return
        if decide.webhook_heard(t, self._now(), self._held(t), event.published_at):
            t.checking = True
            self._spawn(self._carry_out(t, Plan(fetch=True)))

    def stock_changed(self, event: StockChanged) -> None:
        """Apply one item's stock change to the served answers now; the next poll confirms."""
        t = self._tracked.get(event.restaurant)
        if t is None or t.snapshot is None or t.view is None:
            return
        stock = with_stock_event(t.snapshot.stock, event.item_guid, event.status,
                                 event.quantity)
        now = self._clock.now()
        snap = t.snapshot.with_stock(stock, now)
        self._show(t, t.view.with_changes(stock=snap.stock, now=now), snap)
        self._spawn(self._stored(snap))  # other replicas take it from the shared store

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
            t.checked_at, self._clock.now(), self.stale_max)

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
                await self.tick_in_batches()
                if self._loader.store.shared:
                    await self.follow()
                await self._clock.sleep(TICK)
        finally:
            self.starts.close()
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def tick_in_batches(self) -> None:
        """``tick`` over every restaurant, ``DECIDE_BATCH`` of them per loop iteration: a
        thousand decisions in one step would hold the loop for tens of milliseconds."""
        guids = list(self._tracked)
        for first in range(0, len(guids), DECIDE_BATCH):
            if first:
                await asyncio.sleep(0)
            self.tick(guids[first:first + DECIDE_BATCH])

    def tick(self, guids: Iterable[str] | None = None) -> None:
        """Start what is due for ``guids``, or for every restaurant without them: at most
        one check per restaurant at a time, a batch per loop iteration
        (``app.refresh.pacing.Starter``), since at a price boundary all are due."""
        now = self._now()
        for guid in list(self._tracked) if guids is None else guids:
            t = self._tracked.get(guid)
            if t is None:
                continue
            plan = decide.decide(t, Event.TICK, now, self.idle_after)
            if plan.drop:
                self._log.info("restaurant idle, polling stopped", extra={"restaurant": guid})
                del self._tracked[guid]
            elif plan.first_load:
                self._retry_first_load(t)
            elif not plan.idle:
                t.checking = True  # at once, so the next tick does not start another
                # The plain function, not ``self._begin``: one object per queued start
                # instead of two (a price boundary queues a thousand).
                self.starts.start(partial(MenuService._begin, self, t, plan))

    def _begin(self, t: Tracked, plan: Plan) -> asyncio.Future[None]:
        return self._spawn(self._carry_out(t, plan))

    async def _on_remote(self, guid: str) -> None:
        await self.handle(guid, Event.REMOTE)

    async def follow(self) -> None:
        """The cheap per-tick version check: catch changes whose announcement was lost."""
        held = {g: max(t.snapshot.version) for g, t in self._tracked.items() if t.snapshot}
        for guid, version in (await self._notifier.versions(list(held))).items():
            if version > held[guid]:
                await self.handle(guid, Event.REMOTE)


__all__ = ["CacheResult", "MenuService", "Snapshot"]
