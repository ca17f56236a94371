"""Ready bytes for each view: flattened JSON, CSV, nested groups, stock; and ETags.

Everything is encoded once per change by msgspec (rows are Structs already), so a
request only writes bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from app.menu.flatten import FlatMenu, GroupNode
from app.menu.model import StockEntry
from app.menu.money import format_price
from app.menu.rows import ROW_FIELDS, Row, Size
from app.menu.text import one_line_row

_ENCODER = msgspec.json.Encoder()


class RestaurantOut(msgspec.Struct):
    guid: str | None
    name: str | None
    timeZone: str | None


class MenuAnswer(msgspec.Struct):
    restaurant: RestaurantOut
    lastUpdated: str
    fetchedAt: str
    stale: bool
    items: Sequence[Row]


class GroupOut(msgspec.Struct):
    name: str
    guid: str
    description: str
    image: str | None
    items: list[Row]
    groups: list[GroupOut]


class MenuOut(msgspec.Struct):
    name: str
    guid: str
    description: str
    image: str | None
    groups: list[GroupOut]


class GroupsAnswer(msgspec.Struct):
    restaurant: RestaurantOut
    lastUpdated: str
    fetchedAt: str
    stale: bool
    menus: list[MenuOut]


class StockItem(msgspec.Struct):
    guid: str
    name: str | None
    status: str
    outOfStock: bool
    quantity: float | None
    multiLocationId: str | None


class StockAnswer(msgspec.Struct):
    restaurant: RestaurantOut
    fetchedAt: str
    stale: bool
    items: list[StockItem]


def _restaurant(r: Mapping[str, object]) -> RestaurantOut:
    def text(key: str) -> str | None:
        value = r.get(key)
        return value if isinstance(value, str) else None
    return RestaurantOut(guid=text("guid"), name=text("name"), timeZone=text("timeZone"))


def render_menu_json(restaurant: Mapping[str, object], last_updated: str, fetched_at: str,
                     stale: bool, rows: Sequence[Row]) -> bytes:
    """``{restaurant, lastUpdated, fetchedAt, stale, items}`` (PRODUCT.md)."""
    return _ENCODER.encode(MenuAnswer(_restaurant(restaurant), last_updated, fetched_at,
                                      stale, rows))


def sizes_text(sizes: Sequence[Size], currency: str = "USD") -> str:
    """``Small $4.25 | Large $5.25`` (a size without a fixed price shows its name only)."""
    return " | ".join(f"{s.name} {format_price(s.price, currency)}" if s.price is not None
                      else s.name for s in sizes)


def _q(text: str) -> str:
    # RFC 4180 minimal quoting with str methods: the csv module scans per character
    # and was the slowest step on a 3,000-item menu.
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def _num(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _bool(value: bool) -> str:
    return "true" if value else "false"


_FORMULA_START = frozenset("=+-@\t\r")


def _q_safe(text: str) -> str:
    # A spreadsheet opening the CSV runs a cell that starts with = + - @ (or a tab or CR)
    # as a formula ("CSV injection"); a leading ' makes it show as the text it is.
    if text and text[0] in _FORMULA_START:
        text = "'" + text
    return _q(text)


def csv_line(r: Row, currency: str = "USD", *, escape_formulas: bool = True) -> str:
    """One CSV record (without line end) for ``r``, in ``ROW_FIELDS`` order.

    With ``escape_formulas`` a text cell starting with = + - @ gets a leading ``'``;
    numbers are left alone (a negative number is not a formula)."""
    q = _q_safe if escape_formulas else _q
    return ",".join((
        q(r.menu), q(r.group), q(r.groupPath), q(r.name), q(r.guid), q(r.description),
        q(r.image) if r.image is not None else "", _num(r.price), q(r.priceText),
        q(sizes_text(r.sizes, currency)) if r.sizes else "", q(", ".join(r.tags)),
        _num(r.calories), _bool(r.outOfStock), _num(r.quantity), _bool(r.alcohol),
        q(r.modifiers), q(r.imageUrl) if r.imageUrl else "",
    ))


def _one_line_record(r: Row, currency: str, escape_formulas: bool) -> str:
    line = csv_line(r, currency, escape_formulas=escape_formulas)
    # Line breaks become spaces (readers such as Xibo's split records on every newline,
    # even inside quotes) and other control characters go. isprintable() is one C scan
    # per line, false whenever one is there (or a tab); only then are the row's texts
    # looked at one by one.
    return line if line.isprintable() else csv_line(one_line_row(r), currency,
                                                    escape_formulas=escape_formulas)


def render_csv(rows: Iterable[Row], currency: str = "USD", *,
               escape_formulas: bool = True) -> bytes:
    """UTF-8 CSV (RFC 4180, CRLF), header = the row field names; lists joined,
    booleans true/false, null empty; no cell holds a line break (they become spaces) or
    another control character but tab (dropped);
    formulas neutralised unless ``escape_formulas`` is off (RELAY_CSV_ESCAPE_FORMULAS)."""
    lines = [",".join(ROW_FIELDS)]
    lines.extend(_one_line_record(r, currency, escape_formulas) for r in rows)
    lines.append("")
    return "\r\n".join(lines).encode("utf-8")


def _group_out(node: GroupNode, rows: Sequence[Row], keep: set[int] | None) -> GroupOut | None:
    items = [rows[i] for i in node.items if keep is None or i in keep]
    groups = [g for g in (_group_out(c, rows, keep) for c in node.groups) if g is not None]
    if not items and not groups:
        return None
    return GroupOut(node.name, node.guid, node.description, node.image, items, groups)


def render_groups_json(restaurant: Mapping[str, object], last_updated: str, fetched_at: str,
                       stale: bool, flat: FlatMenu, rows: Sequence[Row],
                       indexes: Iterable[int] | None = None) -> bytes:
    """Nested menus → groups → items; ``rows`` parallel ``flat.rows`` (stock applied).

    ``indexes`` (from ``filters.filter_indexes``) keeps only those rows; groups and
    menus left without items are omitted.
    """
    keep = set(indexes) if indexes is not None else None
    menus: list[MenuOut] = []
    for node in flat.tree:
        groups = [g for g in (_group_out(n, rows, keep) for n in node.groups) if g is not None]
        if groups:
            menus.append(MenuOut(node.name, node.guid, node.description, node.image, groups))
    return _ENCODER.encode(GroupsAnswer(_restaurant(restaurant), last_updated, fetched_at,
                                        stale, menus))


def render_stock_json(restaurant: Mapping[str, object], fetched_at: str, stale: bool,
                      stock: Iterable[StockEntry], flat: FlatMenu | None) -> bytes:
    """Out-of-stock and limited-quantity items (and modifier options), named from the menu.

    Entries Toast marks ``itemGuidValidity: INVALID`` (unknown or archived guids,
    which it reports as OUT_OF_STOCK) are left out.
    """
    names: dict[str, str] = {}
    if flat is not None:
        names.update((k.lower(), v) for k, v in flat.option_names.items())
        for row in flat.rows:
            names.setdefault(row.guid.lower(), row.name)
    items = [
        StockItem(guid=e.guid, name=names.get(e.guid.lower()), status=e.status,
                  outOfStock=e.status == "OUT_OF_STOCK",
                  quantity=e.quantity if e.status == "QUANTITY" else None,
                  multiLocationId=e.multiLocationId)
        for e in stock
        if e.guid and e.status in ("OUT_OF_STOCK", "QUANTITY") and e.itemGuidValidity != "INVALID"
    ]
    return _ENCODER.encode(StockAnswer(_restaurant(restaurant), fetched_at, stale, items))


def make_etag(*parts: bytes) -> str:
    """A strong, quoted ETag over ``parts`` (length-prefixed so boundaries count).

    SHA-1 is a cache validator here, not a security boundary; with the CPU's SHA
    extensions it hashes a 2.5 MB answer in about 1.4 ms against 3 ms for BLAKE2b.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return f'"{digest.hexdigest()[:32]}"'
