"""One restaurant's last good Toast data, and its one-record form for stores.

A ``Snapshot`` holds Toast's ``/menus`` bytes, the stock answer, the
restaurant's name, time zone and currency, and three times: when the menus
were fetched, when stock last changed and when Toast last confirmed the copy.
The menus bytes are kept zlib-compressed (about a tenth of their size): they
are needed again only to re-price at a time boundary and to save the record.
The plain bytes live only from the fetch (or the read from a store) until the
view is built (``released``), and the menus are decoded only inside that
build: a decoded document is several times the size of its bytes, and one left
waiting while other calls and loads go on gets the long-lived rows of other
restaurants allocated between its objects, so that once it is freed the holes
stay resident (see ``app/heap.py``).
Stores keep a snapshot as one ``SnapshotRecord`` (msgpack) per restaurant and
write it only when it is newer than what they hold (``version``), so a slow
writer can never put an older copy over a newer one.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence

import msgspec

from app.errors import ToastBadResponse
from app.menu.model import MenusDocument, StockEntry, decode_menus, decode_menus_head, decode_stock
from app.menu.restaurant import RestaurantInfo

Version = tuple[float, float, float]
COMPRESS_IN_THREAD = 256 * 1024
"""Bodies larger than this are compressed in a worker thread (zlib lets go of the GIL):
a 7 MB menu takes tens of milliseconds, which the event loop should not wait for."""


class Snapshot(msgspec.Struct, frozen=True, gc=False):
    """Like the rows, never tracked by the garbage collector (it holds no cycles and
    lives as long as its restaurant), so full collections skip every restaurant's copy."""

    guid: str
    info: RestaurantInfo
    menus_z: bytes
    """Toast's ``/menus`` body, zlib-compressed."""
    last_updated: str
    fetched_at: float
    """When the request that got these menus was sent (wall time)."""
    stock: tuple[StockEntry, ...]
    stock_body: bytes
    checked_at: float = 0.0
    """When Toast last confirmed this copy current (restored copies: as saved)."""
    stock_at: float = 0.0
    """When the stock last changed (0 when it never did since the menus were fetched)."""
    menus_size: int = 0
    """Length of the uncompressed body."""
    body: bytes | None = None
    """The plain body, only on a snapshot fresh from Toast or a store (see ``released``);
    compare ``released()`` copies."""

    @classmethod
    async def of(
        cls, guid: str, info: RestaurantInfo, body: bytes, last_updated: str,
        fetched_at: float, stock: Sequence[StockEntry], stock_body: bytes, *,
        checked_at: float = 0.0, stock_at: float = 0.0,
    ) -> Snapshot:
        """A snapshot of freshly fetched menus (``last_updated`` from ``decode_menus_head``)."""
        return cls(guid, info, await compress(body), last_updated, fetched_at,
                   tuple(stock), stock_body, checked_at, stock_at, len(body), body)

    async def with_menus(self, body: bytes, last_updated: str, info: RestaurantInfo,
                         fetched_at: float) -> Snapshot:
        """This snapshot with new menus (stock kept), confirmed as of ``fetched_at``."""
        return msgspec.structs.replace(self, info=info, menus_z=await compress(body),
                                       last_updated=last_updated, fetched_at=fetched_at,
                                       checked_at=fetched_at, menus_size=len(body), body=body)

    @property
    def menus_body(self) -> bytes:
        return self.body if self.body is not None else zlib.decompress(self.menus_z)

    def document(self) -> MenusDocument:
        """The menus, decoded now: call it only where the document is used and dropped in
        one step (a view build), never to keep; ``ToastBadResponse`` when its shape is
        wrong (only the JSON syntax was checked when it arrived)."""
        return decode_menus(self.menus_body)

    def released(self) -> Snapshot:
        """This snapshot without its plain body (what is kept once a view exists)."""
        return self if self.body is None else msgspec.structs.replace(self, body=None)

    @property
    def rows_hint(self) -> int:
        """About how many rows the menus make (Toast sends ~1.6 KB of JSON per item), to
        judge how long a render will take before doing it."""
        return self.menus_size // 1600

    @property
    def version(self) -> Version:
        """Orders copies of one restaurant: newer menus, then newer stock, then confirmation."""
        return (self.fetched_at, self.stock_at, self.checked_at)

    def confirmed(self, at: float) -> Snapshot:
        """This copy, confirmed current by Toast at ``at``."""
        return msgspec.structs.replace(self, checked_at=at)

    def with_stock(self, stock: Sequence[StockEntry], at: float) -> Snapshot:
        """This copy with stock changed by a webhook at ``at`` (encoded as Toast would list it,
        so it is stored and shared like polled stock; the next poll replaces it)."""
        listed = tuple(e for e in stock if e.status in ("OUT_OF_STOCK", "QUANTITY"))
        return msgspec.structs.replace(self, stock=listed, stock_body=msgspec.json.encode(listed),
                                       stock_at=at)


async def compress(body: bytes) -> bytes:
    if len(body) > COMPRESS_IN_THREAD:
        return await asyncio.to_thread(zlib.compress, body, 1)
    return zlib.compress(body, 1)


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
    compressed: bool = False
    """``menus`` is zlib-compressed (records written before this was added are not)."""


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(SnapshotRecord)


def encode_snapshot(snap: Snapshot) -> bytes:
    return _ENCODER.encode(SnapshotRecord(
        guid=snap.guid, name=snap.info.name, time_zone=snap.info.time_zone,
        currency=snap.info.currency, menus=snap.menus_z, fetched_at=snap.fetched_at,
        stock=snap.stock_body, checked_at=snap.checked_at, stock_at=snap.stock_at,
        compressed=True))


def decode_snapshot(raw: bytes) -> Snapshot:
    """The snapshot in ``raw``, decoded; ``ToastBadResponse`` when the record or its menus
    are unreadable."""
    try:
        rec = _DECODER.decode(raw)
        body = zlib.decompress(rec.menus) if rec.compressed else rec.menus
    except (msgspec.DecodeError, zlib.error) as exc:
        raise ToastBadResponse(f"stored snapshot unreadable: {exc}") from None
    head = decode_menus_head(body)
    stock_body = rec.stock
    try:
        stock = decode_stock(stock_body)
    except ToastBadResponse:
        stock, stock_body = (), b"[]"
    info = RestaurantInfo(rec.guid, rec.name, rec.time_zone, rec.currency)
    menus_z = rec.menus if rec.compressed else zlib.compress(body, 1)
    return Snapshot(rec.guid, info, menus_z, head.lastUpdated or "", rec.fetched_at, stock,
                    stock_body, max(rec.checked_at, rec.fetched_at), rec.stock_at, len(body),
                    body)
