"""Carrying out a refresh plan: leases, metadata checks, menu fetches, stock, re-pricing."""

from __future__ import annotations

from app.clock import parse_iso
from app.errors import EmptyMenu
from app.refresh import decide, policy
from app.refresh.core import CHECKED_SAVE_EVERY, ServiceCore
from app.refresh.decide import Plan
from app.refresh.tracked import Tracked
from app.toast.limiter import Priority


class Checks(ServiceCore):
    async def _carry_out(self, t: Tracked, plan: Plan) -> None:
        # One check per restaurant at a time: an admin refresh waits for a running one.
        t.checking = True
        try:
            async with t.exclusive():
                if plan.reload:
                    await self._reload(t)
                # Webhook and admin fetches go before the timer's background checks.
                priority = Priority.URGENT if plan.fetch else Priority.BACKGROUND
                if (plan.check or plan.fetch) and await self._lease_for(t, plan):
                    if plan.fetch:
                        decide.fetch_started(t)
                    await self._check_menu(t, fetch=plan.fetch, check=plan.check,
                                           priority=priority)
                    if plan.fetch:
                        self._after_webhook(t)
                if plan.stock and await self._stock_lease(t, plan):
                    await self._check_stock(t, priority)
                now = self._now()
                view, snap = t.view, t.snapshot
                if decide.reprice_due(t, now) and view is not None and snap is not None:
                    self._show(t, await self._render(
                        t, lambda: self._loader.rebuild(view, snap, now=now.wall),
                        len(view.rows)))
        finally:
            t.checking = t.busy

    async def _lease_for(self, t: Tracked, plan: Plan) -> bool:
        """Timer checks go to one replica; webhooks and admins act wherever they arrive."""
        if plan.fetch:
            return True
        if await self._lease.acquire(f"check:{t.guid}", self.intervals(t.guid).refresh * 1.5 + 1):
            return True
        decide.taken_over(t, self._now(), self.intervals(t.guid), t.checked_at)
        return False

    async def _stock_lease(self, t: Tracked, plan: Plan) -> bool:
        iv = self.intervals(t.guid)
        if plan.fetch or await self._lease.acquire(f"stock:{t.guid}", iv.stock * 1.5 + 1):
            return True
        decide.stock_polled(t, self._now(), iv)  # another replica polls it
        return False

    def _after_webhook(self, t: Tracked) -> None:
        """A fetch a webhook asked for is done: is the copy as new as the event said?"""
        delay = decide.webhook_fetched(t, self._now(), self._held(t), t.last_error is None)
        if delay is not None:
            self._log.info("Toast does not serve the published menu yet; fetching again",
                           extra={"restaurant": t.guid, "retryIn": delay,
                                  "lastUpdated": t.view.last_updated if t.view else None})

    @staticmethod
    def _held(t: Tracked) -> float | None:
        """``lastUpdated`` of the copy held, as UNIX seconds."""
        return parse_iso(t.snapshot.last_updated) if t.snapshot is not None else None

    async def _reload(self, t: Tracked) -> None:
        """Take a newer copy from the shared store (another replica fetched it)."""
        snap = await self._loader.saved(t.guid)
        if snap is None or (t.snapshot is not None and snap.version <= t.snapshot.version):
            return
        now = self._now()
        self._show(t, await self._build(t, snap, stale=False), snap)
        decide.taken_over(t, now, self.intervals(t.guid), snap.checked_at)

    async def _check_menu(self, t: Tracked, *, fetch: bool, check: bool = True,
                          priority: Priority = Priority.BACKGROUND) -> None:
        assert t.snapshot is not None and t.view is not None
        started = self._now()
        try:
            changed = fetch
            if check:
                last_updated = await self._loader.last_updated(t.guid, priority)
                changed = changed or policy.menus_changed(t.snapshot.last_updated, last_updated)
            if changed:
                snap = await self._loader.fetch_menus(t.snapshot, priority)
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

    async def _check_stock(self, t: Tracked,
                           priority: Priority = Priority.BACKGROUND) -> None:
        assert t.snapshot is not None and t.view is not None
        started = self._now()
        try:
            snap = await self._loader.fetch_stock(t.snapshot, priority)
            if snap is not t.snapshot:  # the loader hands back the same one when unchanged
                self._show(t, await self._changed(t, t.view, stock=snap.stock), snap)
                await self._stored(snap)
            decide.stock_polled(t, started, self.intervals(t.guid))
        except Exception as exc:
            decide.stock_failed(t, self._now(), self.intervals(t.guid), exc, self._rng)
