"""Carrying out one restaurant's refresh plan: leases, metadata checks, menu fetches,
stock polls, re-pricing, taking another replica's copy. Failures keep the last good
copy, marked stale, and back off."""

from __future__ import annotations

import logging
import random

from msgspec.structs import replace

from app.clock import Clock
from app.errors import EmptyMenu
from app.refresh import decide, policy
from app.refresh.copies import Copies
from app.refresh.decide import Plan
from app.refresh.display import Display
from app.refresh.loader import SnapshotLoader
from app.refresh.timing import Timing, now_of
from app.refresh.tracked import Tracked
from app.store.coordination import Lease
from app.toast.limiter import Priority

CHECKED_SAVE_EVERY = 600.0
"""Store "Toast confirmed this copy" at most this often (it rewrites the record)."""


class PlanRunner:
    def __init__(
        self, *, loader: SnapshotLoader, copies: Copies, display: Display, lease: Lease,
        clock: Clock, timing: Timing, rng: random.Random, logger: logging.Logger,
    ) -> None:
        self._loader = loader
        self._copies = copies
        self._display = display
        self._lease = lease
        self._clock = clock
        self._timing = timing
        self._rng = rng
        self._log = logger

    async def carry_out(self, t: Tracked, plan: Plan) -> None:
        """Do what ``plan`` says for ``t``, in its order."""
        # One check per restaurant at a time: an admin refresh waits for a running one.
        t.state = replace(t.state, checking=True)
        try:
            async with t.exclusive():
                if plan.reload:
                    await self._reload(t)
                # Webhook and admin fetches go before the timer's background checks.
                priority = Priority.URGENT if plan.fetch else Priority.BACKGROUND
                if (plan.check or plan.fetch) and await self._lease_for(t, plan):
                    if plan.fetch:
                        t.state = decide.fetch_started(t.state)
                    await self._check_menu(t, fetch=plan.fetch, check=plan.check,
                                           priority=priority)
                    if plan.fetch:
                        self._after_webhook(t)
                if plan.stock and await self._stock_lease(t, plan):
                    await self._check_stock(t, priority)
                now = now_of(self._clock)
                view, snap = t.view, t.snapshot
                if decide.reprice_due(t.state, now) and view is not None and snap is not None:
                    self._display.show(t, await self._display.repriced(t, view, snap, now.wall))
        finally:
            # Another check waiting for the lock is still one under way.
            t.state = replace(t.state, checking=t.busy)

    async def _lease_for(self, t: Tracked, plan: Plan) -> bool:
        """Timer checks go to one replica; webhooks and admins act wherever they arrive."""
        if plan.fetch:
            return True
        lasts = self._timing.intervals(t.guid).refresh * 1.5 + 1
        if await self._lease.acquire(f"check:{t.guid}", lasts):
            return True
        t.state = decide.taken_over(t.state, now_of(self._clock),
                                    self._timing.intervals(t.guid), t.state.checked_at)
        return False

    async def _stock_lease(self, t: Tracked, plan: Plan) -> bool:
        iv = self._timing.intervals(t.guid)
        if plan.fetch or await self._lease.acquire(f"stock:{t.guid}", iv.stock * 1.5 + 1):
            return True
        # Another replica polls it: counted as our poll.
        t.state = decide.stock_polled(t.state, now_of(self._clock), iv)
        return False

    def _after_webhook(self, t: Tracked) -> None:
        """A fetch a webhook asked for is done: is the copy as new as the event said?"""
        t.state, delay = decide.webhook_fetched(t.state, now_of(self._clock), t.held(),
                                                t.state.last_error is None)
        if delay is not None:
            self._log.info("Toast does not serve the published menu yet; fetching again",
                           extra={"restaurant": t.guid, "retryIn": delay,
                                  "lastUpdated": t.view.last_updated if t.view else None})

    async def _reload(self, t: Tracked) -> None:
        """Take a newer copy from the shared store (another replica fetched it)."""
        snap = await self._copies.latest(t.guid)
        if snap is None or (t.snapshot is not None and snap.version <= t.snapshot.version):
            return
        now = now_of(self._clock)
        self._display.show(t, await self._display.build(t, snap, stale=False), snap)
        t.state = decide.taken_over(t.state, now, self._timing.intervals(t.guid),
                                    snap.checked_at)

    async def _check_menu(self, t: Tracked, *, fetch: bool, check: bool = True,
                          priority: Priority = Priority.BACKGROUND) -> None:
        assert t.snapshot is not None and t.view is not None
        started = now_of(self._clock)
        try:
            changed = fetch
            if check:
                last_updated = await self._loader.last_updated(t.guid, priority)
                changed = changed or policy.menus_changed(t.snapshot.last_updated, last_updated)
            if changed:
                snap = await self._loader.fetch_menus(t.snapshot, priority)
                new = await self._display.build(t, snap, stale=False)
                if policy.is_empty_regression(len(t.view.rows), len(new.flat.rows)):
                    raise EmptyMenu(f"Toast returned a menu with no items for {t.guid}; "
                                    f"keeping the last good copy ({len(t.view.rows)} items)",
                                    endpoint="/menus/v2/menus")
                await self._copies.keep(snap)
                self._display.show(t, new, snap)
                self._log.info("menu updated", extra={
                    "restaurant": t.guid, "lastUpdated": snap.last_updated,
                    "rows": len(new.rows)})
            elif t.view.stale:
                self._display.show(t, await self._display.changed(t, t.view, stale=False))
            now = self._clock.now()
            if now - t.state.checked_at >= CHECKED_SAVE_EVERY and not changed:
                t.snapshot = t.snapshot.confirmed(now)
                await self._copies.keep(t.snapshot)
            t.state = decide.checked(t.state, started, now, self._timing.intervals(t.guid))
        except Exception as exc:
            # Anything (Toast, a full disk, a bug) keeps the last good copy, marks it
            # stale and backs off; a check must never be retried every tick.
            t.state, delay = decide.check_failed(t.state, now_of(self._clock),
                                                 self._timing.intervals(t.guid), exc, self._rng)
            if not t.view.stale:
                self._display.show(t, await self._display.changed(t, t.view, stale=True))
            self._log.warning("refresh failed, serving last good copy", extra={
                "restaurant": t.guid, "error": t.state.last_error, "retryIn": round(delay, 1)})

    async def _check_stock(self, t: Tracked,
                           priority: Priority = Priority.BACKGROUND) -> None:
        assert t.snapshot is not None and t.view is not None
        started = now_of(self._clock)
        try:
            snap = await self._loader.fetch_stock(t.snapshot, priority)
            if snap is not t.snapshot:  # the loader hands back the same one when unchanged
                self._display.show(t, await self._display.changed(
                    t, t.view, stock=snap.stock, changed_at=snap.stock_at), snap)
                await self._copies.keep(snap)
            t.state = decide.stock_polled(t.state, started, self._timing.intervals(t.guid))
        except Exception as exc:
            t.state = decide.stock_failed(t.state, now_of(self._clock),
                                          self._timing.intervals(t.guid), exc, self._rng)
