"""The fair upstream limiter: every request to Toast, logins included, waits here.

Order: ``Priority.LOGIN`` first, then ``FIRST_LOAD`` (a screen is waiting), then
``URGENT`` (a webhook or an admin asked), then ``BACKGROUND`` checks. Inside one
priority, restaurants take turns (round robin), so a restaurant with many queued
checks cannot starve the others; one restaurant's own requests keep their order.
A request held back only by its own scope (``/menus`` spacing for its location, a
429 hold) does not hold back anyone else.

Rate limits (``ClientLimits``, docs/toast-api.md): per client at most 18 sends per second and
9,500 per 15 minutes (Toast: 20 and 10,000), background work at most 8,500 of
those so screens and webhooks always find room; ``/menus`` per location and logins
at least 1.05 s apart (Toast: 1/s). After a 429 the scope Toast named is held
until its reset time.

**Spacing from the answer.** Toast counts a call when it arrives, and a call can
leave well after its claim on a loaded host. ``sending`` (what ``ToastClient``
uses) therefore keeps a spaced endpoint's spacing taken until the block ends,
i.e. until Toast's answer or the failure is back, which is surely after Toast
counted the call; the next call for that scope goes at least the spacing after
that, or after ``ClientLimits.unanswered_hold`` if no answer ever comes back
(docs/toast-behaviour.md). ``acquire`` alone spaces calls from their claims.

**Seam for shared budgets.** The windows are counted behind ``SendCounter``
(``app/store/counters.py``): ``claim(Claim) -> Refusal | None``, ``usage()`` and
``settle(Claim)``.
``LocalCounter`` counts in this process; pass another ``counter=`` (e.g. Redis, so
that replicas spend one budget) and the queueing, priorities and fairness here
stay as they are. Waiting is done on the injected clock, so tests drive it with
``FakeClock.advance``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from enum import IntEnum

from app.clock import Clock
from app.store.counters import Claim, ClientLimits, LocalCounter, SendCounter, Usage
from app.toast.endpoints import endpoint_spacing

# Requests without Toast-Restaurant-External-ID are counted by Toast per IP
# (partners API, login), so a 429 on one of them holds back only that kind.
_NO_RESTAURANT = "*"
_LONG_NAP = 3600.0


class Priority(IntEnum):
    LOGIN = 0
    FIRST_LOAD = 1
    URGENT = 2
    BACKGROUND = 3


@dataclass(eq=False)
class _Waiter:
    claim: Claim
    future: asyncio.Future[None]
    priority: Priority
    not_before: float = field(default=0.0)


class UpstreamLimiter:
    """Priority queues per restaurant in front of a ``SendCounter``."""

    def __init__(self, clock: Clock, limits: ClientLimits | None = None,
                 counter: SendCounter | None = None) -> None:
        self._clock = clock
        self.limits = limits or ClientLimits()
        self._counter = counter or LocalCounter(clock, self.limits)
        self._queues: dict[Priority, OrderedDict[str, deque[_Waiter]]] = {
            p: OrderedDict() for p in Priority}
        self._blocked: dict[str, float] = {}
        self._boosts: dict[str, Priority] = {}
        self._queued = 0
        self._waits = 0
        self._pump: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._tickets = itertools.count(1)

    async def acquire(self, endpoint: str, restaurant: str | None,
                      priority: Priority = Priority.BACKGROUND) -> None:
        """Return once a request to ``endpoint`` for ``restaurant`` may be sent, and count it."""
        await self._acquire(self._claim(endpoint, restaurant, None), restaurant, priority)

    @contextlib.asynccontextmanager
    async def sending(self, endpoint: str, restaurant: str | None,
                      priority: Priority = Priority.BACKGROUND) -> AsyncIterator[None]:
        """``acquire``, then keep the endpoint's spacing taken until the block ends (send the
        request and read its answer inside): the next spaced call goes the spacing after
        that (docs/toast-behaviour.md)."""
        claim = self._claim(endpoint, restaurant, str(next(self._tickets)))
        if claim.spacing_key is None:
            await self._acquire(claim, restaurant, priority)
            yield
            return
        try:
            # Inside the try: a caller cancelled just as its claim was granted still frees it.
            await self._acquire(claim, restaurant, priority)
            yield
        finally:
            await self._counter.settle(claim)

    async def _acquire(self, claim: Claim, restaurant: str | None, priority: Priority) -> None:
        scope = restaurant or _NO_RESTAURANT
        priority = min(priority, self._boosts.get(scope, priority))
        claim = self._claim_cap(claim, priority)
        if not self._queued and self._blocked.get(scope, 0.0) <= self._clock.monotonic() \
                and await self._counter.claim(claim) is None:
            return
        self._waits += 1
        waiter = _Waiter(claim, asyncio.get_running_loop().create_future(), priority)
        self._queues[priority].setdefault(scope, deque()).append(waiter)
        self._queued += 1
        self._kick()
        try:
            await waiter.future
        finally:
            if not waiter.future.done() or waiter.future.cancelled():
                self._kick()  # a cancelled waiter: let the pump drop it now

    def boost(self, restaurant: str, priority: Priority) -> None:
        """Serve ``restaurant``'s queued and coming requests at ``priority`` (or better)
        until ``unboost``: a screen is now waiting for a load that started in background."""
        self._boosts[restaurant] = min(priority, self._boosts.get(restaurant, priority))
        for lower in Priority:
            if lower <= priority:
                continue
            moved = self._queues[lower].pop(restaurant, None)
            if moved:
                for w in moved:
                    w.priority = priority
                    w.claim = self._claim_cap(w.claim, priority)
                self._queues[priority].setdefault(restaurant, deque()).extend(moved)
        self._kick()

    def unboost(self, restaurant: str) -> None:
        """End a ``boost`` (the load it was for has finished)."""
        self._boosts.pop(restaurant, None)

    def block_until(self, until_monotonic: float, restaurant: str | None) -> None:
        """After a 429: send nothing for ``restaurant`` (or restaurant-less calls) until then."""
        key = restaurant or _NO_RESTAURANT
        self._blocked[key] = max(self._blocked.get(key, 0.0), until_monotonic)
        self._kick()

    def usage(self) -> Usage:
        """Sends counted in the last second and the last 15 minutes."""
        return self._counter.usage()

    def eta(self, priority: Priority, calls: int = 1) -> int:
        """Whole seconds until ``calls`` more requests at ``priority`` are likely sent: the
        queue ahead of them at the per-second cap (a Retry-After for a waiting screen)."""
        ahead = sum(n for p, n in zip(Priority, self.waiting().values(), strict=True)
                    if p <= priority)
        return max(1, math.ceil((ahead + calls) / self.limits.per_second))

    def waiting(self) -> dict[str, int]:
        """Requests queued now, by priority name."""
        return {p.name.lower(): sum(
            1 for q in self._queues[p].values() for w in q if not w.future.done())
            for p in Priority}

    def state(self) -> dict[str, object]:
        """Budget figures for /admin/status and /metrics: numbers, never text to parse."""
        now = self._clock.monotonic()
        usage = self._counter.usage()
        lim = self.limits
        return {
            "perSecond": {"used": usage.last_second, "limit": lim.per_second,
                          "toastLimit": lim.toast_per_second},
            "perWindow": {"used": usage.last_window, "limit": lim.per_window,
                          "backgroundLimit": lim.background_per_window,
                          "toastLimit": lim.toast_per_window, "seconds": lim.window},
            "menusSpacing": lim.spacing_margin,
            "waiting": self.waiting(),
            "throttledTotal": self._waits,
            "blocked": {key: round(until - now, 3)
                        for key, until in sorted(self._blocked.items()) if until > now},
        }

    # --- internals ---------------------------------------------------------------

    def _claim(self, endpoint: str, restaurant: str | None, ticket: str | None) -> Claim:
        """The claim for one call; a ``ticket`` (``sending``) holds its spacing until settled."""
        spacing = endpoint_spacing(endpoint, restaurant)
        if spacing is None:
            return Claim(self.limits.per_window)
        key, gap = spacing
        claim = Claim(self.limits.per_window, key, gap * self.limits.spacing_margin)
        if ticket is not None:
            claim = replace(claim, hold=self.limits.unanswered_hold, ticket=ticket)
        return claim

    def _claim_cap(self, claim: Claim, priority: Priority) -> Claim:
        cap = self.limits.background_per_window if priority == Priority.BACKGROUND \
            else self.limits.per_window
        return replace(claim, window_cap=cap)

    def _kick(self) -> None:
        self._wake.set()
        if self._pump is None and self._queued:
            self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    async def _run_pump(self) -> None:
        try:
            while self._queued:
                self._wake.clear()
                wait = await self._dispatch()
                if self._queued and not self._wake.is_set():
                    await self._nap(wait)
        finally:
            self._pump = None
            if self._queued:  # pragma: no cover - only if the pump itself was cancelled
                self._kick()

    async def _dispatch(self) -> float:
        """Grant every waiter the limits allow now; return seconds until one may go."""
        while True:
            granted, wait = await self._grant_one()
            if not granted:
                return wait

    async def _grant_one(self) -> tuple[bool, float]:
        now = self._clock.monotonic()
        wait = _LONG_NAP
        for priority in Priority:
            queues = self._queues[priority]
            for scope in list(queues):
                waiters = queues[scope]
                self._drop_done(waiters)
                if not waiters:
                    del queues[scope]
                    continue
                hold = self._blocked.get(scope, 0.0) - now
                if hold > 0:
                    wait = min(wait, hold)
                    continue
                self._blocked.pop(scope, None)
                for waiter in list(waiters):
                    if waiter.future.done():
                        continue
                    if waiter.not_before > now:
                        wait = min(wait, waiter.not_before - now)
                        continue
                    refusal = await self._counter.claim(waiter.claim)
                    if refusal is None:
                        self._take(waiter, scope)
                        if not waiter.future.done():
                            waiter.future.set_result(None)
                        return True, 0.0
                    if refusal.client_wide:
                        # Nothing at this priority or below may go; higher ones were
                        # already tried (or found nothing waiting).
                        return False, min(wait, refusal.wait)
                    waiter.not_before = now + refusal.wait
                    wait = min(wait, refusal.wait)
        return False, wait

    def _take(self, waiter: _Waiter, scope: str) -> None:
        """Take a granted ``waiter`` out of its queue, wherever it is now: a shared counter's
        claim may suspend, and a ``boost`` meanwhile moves it to a higher priority."""
        queues = self._queues[waiter.priority]
        waiters = queues.get(scope)
        if waiters is None or waiter not in waiters:  # pragma: no cover - already dropped
            return
        waiters.remove(waiter)
        self._queued -= 1
        if waiters:  # round robin: others go first next time
            queues.move_to_end(scope)
        else:  # no empty queue left behind for each restaurant served
            del queues[scope]

    def _drop_done(self, waiters: deque[_Waiter]) -> None:
        while waiters and waiters[0].future.done():
            waiters.popleft()
            self._queued -= 1
        if any(w.future.done() for w in waiters):
            for w in [w for w in waiters if w.future.done()]:
                waiters.remove(w)
                self._queued -= 1

    async def _nap(self, seconds: float) -> None:
        """Sleep on the clock, waking early when a request arrives or leaves."""
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
