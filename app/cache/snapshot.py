"""One restaurant's last good Toast data, and its one-record form for stores.

A ``Snapshot`` holds Toast's ``/menus`` bytes (decoded once), the stock answer,
the restaurant's name, time zone and currency, and three times: when the menus
were fetched, when stock last changed and when Toast last confirmed the copy.
Stores keep it as one ``SnapshotRecord`` (msgpack) per restaurant and write it
only when it is newer than what they hold (``version``), so a slow writer can
never put an older copy over a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import msgspec

from app.cache.views import RestaurantInfo
from app.errors import ToastBadResponse
from app.menu.model import MenusDocument, StockEntry, decode_menus, decode_stock

Version = tuple[float, float, float]


@dataclass(frozen=True)
class Snapshot:
    guid: str
    info: RestaurantInfo
    doc: MenusDocument
    menus_body: bytes
    fetched_at: float
    """When the request that got these menus was sent (wall time)."""
    stock: list[StockEntry]
    stock_body: bytes
    checked_at: float = 0.0
    """When Toast last confirmed this copy current (restored copies: as saved)."""
    stock_at: float = 0.0
    """When the stock last changed (0 when it never did since the menus were fetched)."""

    @property
    def last_updated(self) -> str:
        return self.doc.lastUpdated or ""

    @property
    def rows_hint(self) -> int:
        """About how many rows the menus make (Toast sends ~1.6 KB of JSON per item), to
        judge how long a render will take before doing it."""
        return len(self.menus_body) // 1600

    @property
    def version(self) -> Version:
        """Orders copies of one restaurant: newer menus, then newer stock, then confirmation."""
        return (self.fetched_at, self.stock_at, self.checked_at)

    def confirmed(self, at: float) -> Snapshot:
        """This copy, confirmed current by Toast at ``at``."""
        return replace(self, checked_at=at)


class SnapshotRecord(msgspec.Struct, frozen=True, omit_defaults=True):
    """The stored form: everything as bytes and numbers, one record per restaurant."""

    guid: str
    name: str
    time_zone: str
    currency: str
    menus: bytes
    fetched_at: float
    stock: bytes = b"[]"
    checked_at: float = 0.0
    stock_at: float = 0.0


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(SnapshotRecord)


def encode_snapshot(snap: Snapshot) -> bytes:
    return _ENCODER.encode(SnapshotRecord(
        guid=snap.guid, name=snap.info.name, time_zone=snap.info.time_zone,
        currency=snap.info.currency, menus=snap.menus_body, fetched_at=snap.fetched_at,
        stock=snap.stock_body, checked_at=snap.checked_at, stock_at=snap.stock_at))


def decode_snapshot(raw: bytes) -> Snapshot:
    """The snapshot in ``raw``; ``ToastBadResponse`` when the record or its menus are unreadable."""
    try:
        rec = _DECODER.decode(raw)
    except msgspec.DecodeError as exc:
        raise ToastBadResponse(f"stored snapshot unreadable: {exc}") from None
    doc = decode_menus(rec.menus)
    stock_body = rec.stock
    try:
        stock = decode_stock(stock_body)
    except ToastBadResponse:
        stock, stock_body = [], b"[]"
    info = RestaurantInfo(rec.guid, rec.name, rec.time_zone, rec.currency)
    return Snapshot(rec.guid, info, doc, rec.menus, rec.fetched_at, stock, stock_body,
                    checked_at=max(rec.checked_at, rec.fetched_at), stock_at=rec.stock_at)
