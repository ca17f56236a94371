"""Moves a restaurant's Toast data between Toast, the snapshot store and a ``MenuView``.

The loader fetches, saves, restores and renders snapshots (``app/store/snapshot_record.py``);
the service decides when.

The restaurant's details (name, time zone, currency: ``/restaurants/v1/restaurants``) are
asked for on a first load and then with a menus fetch only once they are
``INFO_MAX_AGE`` old, and always at the same time as the menus, never after them: a
publish costs one ``/menus`` round trip, not two in a row. Toast announces no change of
those details (no webhook), they change rarely, and the menus document carries the time
zone the prices follow anyway (docs/toast-api.md, restaurants).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import msgspec
from cachetools import TTLCache

from app.clock import Clock
from app.errors import ToastError, ToastForbidden
from app.menu.flatten import FlatMenu, flatten
from app.menu.model import MenusHead, StockEntry, decode_menus_head, decode_stock
from app.menu.restaurant import RestaurantInfo
from app.refresh.budget import INFO_MAX_AGE
from app.serve.views import MenuView
from app.store.snapshot_record import Snapshot
from app.store.snapshots import SnapshotStore
from app.toast.client import ToastClient
from app.toast.limiter import Priority

DEFAULT_CURRENCY = "USD"
INFO_REMEMBERED = 100_000
"""Restaurants whose details' age the loader remembers (a bound; far above any relay)."""

Raw = dict[str, Any] | ToastError
"""The restaurants API's answer, or why there is none."""


class SnapshotLoader:
    def __init__(
        self, *, toast: ToastClient, store: SnapshotStore, clock: Clock,
        logger: logging.Logger | None = None, escape_formulas: bool = True,
    ) -> None:
        self._toast = toast
        self.escape_formulas = escape_formulas
        """CSV cells starting with = + - @ get a leading ' (RELAY_CSV_ESCAPE_FORMULAS)."""
        self.store = store
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.refresh")
        self._info_fresh: TTLCache[str, bool] = TTLCache(
            maxsize=INFO_REMEMBERED, ttl=INFO_MAX_AGE, timer=clock.monotonic)
        """Restaurants whose details were asked for less than ``INFO_MAX_AGE`` ago (in
        memory: after a restart the next menus fetch asks again)."""

    # --- Toast ----------------------------------------------------------------

    # ``priority`` orders the calls in the upstream limiter: FIRST_LOAD while a screen
    # waits, URGENT for webhook and admin fetches, BACKGROUND for the timer's checks.

    async def last_updated(self, guid: str, priority: Priority = Priority.BACKGROUND) -> str:
        return await self._toast.metadata(guid, priority)

    async def fetch(self, guid: str, priority: Priority = Priority.BACKGROUND) -> Snapshot:
        """Everything for a first load: menus (required), info and stock (best effort),
        asked for at once (each through the limiter at ``priority``).

        Only the head of the menus is decoded here: the menus are decoded when the view
        is built (``Snapshot.document``), not kept decoded while the other calls wait.
        """
        sent = self._clock.now()
        raw = asyncio.ensure_future(self._restaurant(guid, priority))
        stock = asyncio.ensure_future(self._stock_or_empty(guid, priority))
        body = await _first_of(self._toast.menus(guid, priority), raw, stock)
        head = decode_menus_head(body)
        info = self._info(guid, head, await raw)
        entries, stock_body = await stock
        return await Snapshot.of(guid, info, body, head.lastUpdated or "", sent, entries,
                                 stock_body, checked_at=sent)

    async def fetch_menus(self, snap: Snapshot,
                          priority: Priority = Priority.BACKGROUND) -> Snapshot:
        """New menus; the restaurant's details too (asked alongside) when they are due."""
        sent = self._clock.now()
        raw: asyncio.Future[Raw] | None = None
        if self.info_due(snap.guid):
            raw = asyncio.ensure_future(self._restaurant(snap.guid, priority))
        body = await _first_of(self._toast.menus(snap.guid, priority), raw)
        head = decode_menus_head(body)
        info = snap.info if raw is None else self._info(snap.guid, head, await raw,
                                                         fallback=snap.info)
        return await snap.with_menus(body, head.lastUpdated or "", info, sent)

    def info_due(self, guid: str) -> bool:
        """Whether the next menus fetch of ``guid`` also asks for its details."""
        return guid not in self._info_fresh

    async def fetch_stock(self, snap: Snapshot,
                          priority: Priority = Priority.BACKGROUND) -> Snapshot:
        """The snapshot with fresh stock; the same object when the stock did not change."""
        sent = self._clock.now()
        body = await self._toast.stock(snap.guid, priority)
        if body == snap.stock_body:
            return snap
        return msgspec.structs.replace(snap, stock=decode_stock(body), stock_body=body,
                                       stock_at=sent)

    async def _stock_or_empty(self, guid: str,
                              priority: Priority) -> tuple[tuple[StockEntry, ...], bytes]:
        # Toast: if the stock API fails, assume items are in stock (docs/toast-api.md, stock).
        try:
            body = await self._toast.stock(guid, priority)
            return decode_stock(body), body
        except ToastError as exc:
            self._log.warning("stock unavailable on first load; showing all in stock",
                              extra={"restaurant": guid, "error": exc.error})
            return (), b"[]"

    async def _restaurant(self, guid: str, priority: Priority) -> Raw:
        """The restaurants API's answer for ``guid``, or the error (handed back, not raised,
        so it can wait beside the menus call). An answer, or a 403 (no
        ``restaurants:read``: asking again at once would not help), holds for
        ``INFO_MAX_AGE``; another failure is asked again with the next menus fetch."""
        try:
            raw = await self._toast.restaurant(guid, priority)
        except ToastForbidden as exc:
            self._info_fresh[guid] = True
            return exc
        except ToastError as exc:
            return exc
        self._info_fresh[guid] = True
        return raw

    def _info(self, guid: str, head: MenusHead, raw: Raw,
              fallback: RestaurantInfo | None = None) -> RestaurantInfo:
        """Name, time zone and currency from the restaurants API, else from what we have."""
        if isinstance(raw, ToastError):
            # Without restaurants:read (or while that API hiccups) the menu still goes out,
            # named by what we knew before, else by GUID.
            self._log.warning("restaurant details unavailable", extra={
                "restaurant": guid, "error": raw.error})
            return fallback or RestaurantInfo(
                guid, guid, head.restaurantTimeZone or "UTC", DEFAULT_CURRENCY)
        general: dict[str, Any] = raw.get("general") or {}
        return RestaurantInfo(
            guid=guid,
            name=str(general.get("name") or (fallback.name if fallback else guid)),
            time_zone=str(general.get("timeZone") or head.restaurantTimeZone or "UTC"),
            currency=str(general.get("currencyCode") or DEFAULT_CURRENCY),
        )

    # --- store ------------------------------------------------------------------

    async def save(self, snap: Snapshot) -> bool:
        """Store ``snap`` if it is newer than the stored copy; True when it was written."""
        # A full or read-only disk (or a store that is down) loses durability, never the
        # board being served.
        try:
            return await self.store.put(snap)
        except OSError as exc:
            self._log.error("could not save the last good copy; check RELAY_DATA_DIR", extra={
                "restaurant": snap.guid, "error": f"{type(exc).__name__}: {exc.strerror}"})
            return False

    async def saved(self, guid: str) -> Snapshot | None:
        return await self.store.get(guid)

    # --- rendering ----------------------------------------------------------------

    def build_view(self, snap: Snapshot, *, stale: bool, now: float) -> MenuView:
        return MenuView(info=snap.info, flat=_flatten(snap, now), stock=snap.stock,
                        fetched_at=snap.fetched_at, stale=stale, changed_at=content_time(snap),
                        escape_formulas=self.escape_formulas)

    def rebuild(self, view: MenuView, snap: Snapshot, *, now: float) -> MenuView:
        """Re-flatten at ``now`` (a time-specific price flipped); keeps the stale flag. The
        content changed at the flip (``valid_until``), whenever this process saw it."""
        flip = view.valid_until
        return view.with_changes(flat=_flatten(snap, now), now=now,
                                 changed_at=None if flip is None else flip.timestamp())


def content_time(snap: Snapshot) -> float:
    """When ``snap``'s content last changed (menus fetched, stock changed): a time from the
    data, so a restarted process and every replica holding the copy say the same."""
    return max(snap.fetched_at, snap.stock_at)


def _flatten(snap: Snapshot, now: float) -> FlatMenu:
    """Flatten at ``now``; prices follow the menu's time zone, else the restaurant's."""
    doc = snap.document()
    if not doc.restaurantTimeZone:
        doc = msgspec.structs.replace(doc, restaurantTimeZone=snap.info.time_zone)
    return flatten(doc, now=datetime.fromtimestamp(now, UTC), currency=snap.info.currency)


async def _first_of(menus: Awaitable[bytes], *beside: asyncio.Future[Any] | None) -> bytes:
    """The menus body; when the menus call fails, the calls started beside it are
    cancelled (their answers are no use without a menu)."""
    try:
        return await menus
    except BaseException:
        for f in beside:
            if f is not None:
                f.cancel()
        raise
