"""Moves a restaurant's Toast data between Toast, the store and a ``MenuView``.

A ``Snapshot`` is the last good upstream data for one restaurant: the raw
``/menus`` body (decoded once), the stock answer and the restaurant's name,
time zone and currency. The loader fetches, saves, restores and renders
snapshots; the service decides when.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from app.cache.store import Store
from app.cache.views import MenuView, RestaurantInfo
from app.clock import Clock
from app.errors import ToastBadResponse, ToastError
from app.menu.flatten import FlatMenu, flatten
from app.menu.model import MenusDocument, StockEntry, decode_menus, decode_stock
from app.toast.client import ToastClient

if TYPE_CHECKING:
    from app.cache.tracked import Tracked

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class Snapshot:
    guid: str
    info: RestaurantInfo
    doc: MenusDocument
    menus_body: bytes
    fetched_at: float
    stock: list[StockEntry]
    stock_body: bytes
    checked_at: float = 0.0
    """When Toast last confirmed this copy current (restored copies: as saved)."""

    @property
    def last_updated(self) -> str:
        return self.doc.lastUpdated or ""


_INFO = msgspec.json.Encoder()


class SnapshotLoader:
    def __init__(
        self, *, toast: ToastClient, store: Store, clock: Clock,
        logger: logging.Logger | None = None,
    ) -> None:
        self._toast = toast
        self._store = store
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.refresh")

    # --- Toast ----------------------------------------------------------------

    async def last_updated(self, guid: str) -> str:
        return await self._toast.metadata(guid)

    async def fetch(self, guid: str) -> Snapshot:
        """Everything for a first load: menus (required), info and stock (best effort)."""
        body = await self._toast.menus(guid)
        doc = decode_menus(body)
        info = await self._info(guid, doc)
        stock, stock_body = await self._stock_or_empty(guid)
        now = self._clock.now()
        return Snapshot(guid, info, doc, body, now, stock, stock_body, checked_at=now)

    async def fetch_menus(self, snap: Snapshot) -> Snapshot:
        body = await self._toast.menus(snap.guid)
        doc = decode_menus(body)
        info = await self._info(snap.guid, doc, fallback=snap.info)
        now = self._clock.now()
        return replace(snap, doc=doc, menus_body=body, info=info, fetched_at=now,
                       checked_at=now)

    async def fetch_stock(self, snap: Snapshot) -> Snapshot:
        body = await self._toast.stock(snap.guid)
        if body == snap.stock_body:
            return snap
        return replace(snap, stock=decode_stock(body), stock_body=body)

    async def _stock_or_empty(self, guid: str) -> tuple[list[StockEntry], bytes]:
        # Toast: if the stock API fails, assume items are in stock (NOTES §4).
        try:
            body = await self._toast.stock(guid)
            return decode_stock(body), body
        except ToastError as exc:
            self._log.warning("stock unavailable on first load; showing all in stock",
                              extra={"restaurant": guid, "error": exc.error})
            return [], b"[]"

    async def _info(
        self, guid: str, doc: MenusDocument, fallback: RestaurantInfo | None = None
    ) -> RestaurantInfo:
        """Name, time zone and currency from the restaurants API, else from what we have."""
        try:
            raw = await self._toast.restaurant(guid)
            general: dict[str, Any] = raw.get("general") or {}
            info = RestaurantInfo(
                guid=guid,
                name=str(general.get("name") or (fallback.name if fallback else guid)),
                time_zone=str(general.get("timeZone") or doc.restaurantTimeZone or "UTC"),
                currency=str(general.get("currencyCode") or DEFAULT_CURRENCY),
            )
        except ToastError as exc:
            # Without restaurants:read (or while that API hiccups) the menu still goes out,
            # named by what we knew before, else by GUID.
            self._log.warning("restaurant details unavailable", extra={
                "restaurant": guid, "error": exc.error})
            info = fallback or RestaurantInfo(
                guid, guid, doc.restaurantTimeZone or "UTC", DEFAULT_CURRENCY)
        return info

    # --- store ------------------------------------------------------------------

    async def save(self, snap: Snapshot) -> None:
        meta: dict[str, str | float | None] = {
            "fetchedAt": snap.fetched_at, "lastUpdated": snap.last_updated}
        info = {"name": snap.info.name, "timeZone": snap.info.time_zone,
                "currency": snap.info.currency}
        await self._set(snap.guid, f"menus:{snap.guid}", snap.menus_body, meta)
        await self._set(snap.guid, f"restaurant:{snap.guid}", _INFO.encode(info), {})
        await self.save_stock(snap)
        await self.save_checked(snap.guid, snap.checked_at)

    async def save_stock(self, snap: Snapshot) -> None:
        await self._set(snap.guid, f"stock:{snap.guid}", snap.stock_body, {})

    async def save_checked(self, guid: str, checked_at: float) -> None:
        """Remember when Toast last confirmed the copy, so a restart keeps counting from it."""
        await self._set(guid, f"checked:{guid}", repr(checked_at).encode(), {})

    async def _set(self, guid: str, key: str, body: bytes,
                   meta: dict[str, str | float | None]) -> None:
        # A full or read-only disk loses durability, never the board being served.
        try:
            await self._store.set(key, body, meta)
        except OSError as exc:
            self._log.error("could not save the last good copy; check RELAY_DATA_DIR", extra={
                "restaurant": guid, "error": f"{type(exc).__name__}: {exc.strerror}"})

    async def saved(self, guid: str) -> Snapshot | None:
        menus = await self._store.get(f"menus:{guid}")
        if menus is None:
            return None
        try:
            doc = decode_menus(menus.body)
        except ToastBadResponse:
            self._log.warning("saved menu unreadable, ignoring it", extra={"restaurant": guid})
            return None
        stock_entry = await self._store.get(f"stock:{guid}")
        info_entry = await self._store.get(f"restaurant:{guid}")
        info = RestaurantInfo(guid, guid, doc.restaurantTimeZone or "UTC", DEFAULT_CURRENCY)
        if info_entry is not None:
            try:
                raw = msgspec.json.decode(info_entry.body, type=dict[str, str])
                info = RestaurantInfo(guid, raw["name"], raw["timeZone"], raw["currency"])
            except (msgspec.DecodeError, KeyError):
                pass
        stock_body = stock_entry.body if stock_entry else b"[]"
        try:
            stock = decode_stock(stock_body)
        except ToastBadResponse:
            stock, stock_body = [], b"[]"
        fetched = menus.meta.get("fetchedAt")
        fetched_at = float(fetched) if isinstance(fetched, int | float) else 0.0
        checked_at = fetched_at
        checked = await self._store.get(f"checked:{guid}")
        if checked is not None:
            with contextlib.suppress(ValueError):
                checked_at = max(fetched_at, float(checked.body))
        return Snapshot(guid, info, doc, menus.body, fetched_at, stock, stock_body,
                        checked_at=checked_at)

    # --- rendering ----------------------------------------------------------------

    def build_view(self, snap: Snapshot, *, stale: bool, now: float) -> MenuView:
        return MenuView(info=snap.info, flat=_flatten(snap, now), stock=snap.stock,
                        fetched_at=snap.fetched_at, stale=stale, changed_at=now)

    def rebuild(self, t: Tracked, *, now: float) -> MenuView:
        """Re-flatten at ``now`` (a time-specific price flipped); keeps the stale flag."""
        assert t.snapshot is not None and t.view is not None
        return t.view.with_changes(flat=_flatten(t.snapshot, now), now=now)


def _flatten(snap: Snapshot, now: float) -> FlatMenu:
    """Flatten at ``now``; prices follow the menu's time zone, else the restaurant's."""
    doc = snap.doc
    if not doc.restaurantTimeZone:
        doc = msgspec.structs.replace(doc, restaurantTimeZone=snap.info.time_zone)
    return flatten(doc, now=datetime.fromtimestamp(now, UTC), currency=snap.info.currency)
