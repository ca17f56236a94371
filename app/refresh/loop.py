"""The refresh loop: every ``TICK`` seconds, decide for each restaurant what is due and
start it; hear the changes other replicas store. What to do is decided by the pure rules
in ``app/refresh/decide.py``; the loop only hands each plan on to be carried out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from functools import partial
from typing import Any

from msgspec.structs import replace

from app.clock import Clock
from app.refresh import decide
from app.refresh.background import Background
from app.refresh.decide import Event, Plan
from app.refresh.pacing import DECIDE_BATCH, Starter
from app.refresh.timing import TICK, Timing, now_of
from app.refresh.tracked import Tracked
from app.store.coordination import Notifier

CarryOut = Callable[[Tracked, Plan], Coroutine[Any, Any, None]]
"""Carries out one restaurant's plan (``app.refresh.plans.PlanRunner.carry_out``)."""


class RefreshLoop:
    def __init__(
        self, *, tracked: dict[str, Tracked], clock: Clock, timing: Timing,
        carry_out: CarryOut, retry_first_load: Callable[[Tracked], None],
        notifier: Notifier, follow_others: bool, starts: Starter,
        background: Background, logger: logging.Logger,
    ) -> None:
        self._tracked = tracked
        """The restaurants polled, by GUID (the table the service keeps; idle ones leave)."""
        self._clock = clock
        self._timing = timing
        self._carry_out = carry_out
        self._retry_first_load = retry_first_load
        self._notifier = notifier
        self._follow_others = follow_others
        """The store is shared: look each tick for changes whose announcement was lost."""
        self.starts = starts
        """The tick starts plans through it, a batch per loop iteration."""
        self._background = background
        self._log = logger

    async def run(self) -> None:
        """Tick every ``TICK`` seconds and hear other replicas' changes until cancelled."""
        self._background.spawn(self._notifier.run(self._on_remote))
        try:
            while True:
                await self.tick_in_batches()
                if self._follow_others:
                    await self.follow()
                await self._clock.sleep(TICK)
        finally:
            self.starts.close()
            await self._background.cancel_all()

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
        now = now_of(self._clock)
        for guid in list(self._tracked) if guids is None else guids:
            t = self._tracked.get(guid)
            if t is None:
                continue
            plan = decide.decide(t.state, Event.TICK, now, self._timing.idle_after,
                                 t.last_requested)
            if plan.drop:
                self._log.info("restaurant idle, polling stopped", extra={"restaurant": guid})
                del self._tracked[guid]
            elif plan.first_load:
                self._retry_first_load(t)
            elif not plan.idle:
                # Marked at once, so the next tick does not start another.
                t.state = replace(t.state, checking=True)
                # The plain function, not ``self._begin``: one object per queued start
                # instead of two (a price boundary queues a thousand).
                self.starts.start(partial(RefreshLoop._begin, self, t, plan))

    def _begin(self, t: Tracked, plan: Plan) -> asyncio.Future[None]:
        return self._background.spawn(self._carry_out(t, plan))

    async def handle(self, guid: str, event: Event) -> None:
        """Carry out what ``event`` (webhook, admin, remote change) calls for, now.

        Restaurants nobody asked for are not tracked, so their events are ignored:
        the first request loads the current menu anyway.
        """
        t = self._tracked.get(guid)
        if t is None:
            return
        plan = decide.decide(t.state, event, now_of(self._clock), self._timing.idle_after,
                             t.last_requested)
        if plan.first_load:
            self._retry_first_load(t)
        elif not plan.idle and not plan.drop:
            await self._carry_out(t, plan)

    async def _on_remote(self, guid: str) -> None:
        await self.handle(guid, Event.REMOTE)

    async def follow(self) -> None:
        """The cheap per-tick version check: catch changes whose announcement was lost."""
        held = {g: max(t.snapshot.version) for g, t in self._tracked.items() if t.snapshot}
        for guid, version in (await self._notifier.versions(list(held))).items():
            if version > held[guid]:
                await self.handle(guid, Event.REMOTE)
