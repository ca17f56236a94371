"""What changed between two versions of a restaurant's rows: pure, for the change history.

Items are matched by GUID; an item shown in several places (two menus, two
groups) counts once, by its first occurrence, since price and stock are the
item's, not the place's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from app.menu.render import sizes_text
from app.menu.rows import Row

LIST_LIMIT = 50
"""Most items named per kind of change; ``counts`` still says how many there were."""


class ItemRef(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    guid: str
    name: str
    priceText: str


class PriceChange(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    guid: str
    name: str
    before: str
    after: str


class Changes(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """Kept in each restaurant's history, so, like the rows, made of tuples and never
    tracked by the garbage collector (a re-price at 1,000 restaurants adds 1,000 of these)."""

    added: tuple[ItemRef, ...] = ()
    removed: tuple[ItemRef, ...] = ()
    priceChanges: tuple[PriceChange, ...] = ()
    soldOut: tuple[ItemRef, ...] = ()
    backInStock: tuple[ItemRef, ...] = ()
    otherEdits: int = 0
    """Items whose other fields changed (name, description, tags, place on the menu...)."""
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    """How many of each kind, even where the lists stop at ``LIST_LIMIT``."""

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values()) and not self.otherEdits


def price_display(row: Row, currency: str = "USD") -> str:
    """The price as a board shows it: the sizes when the item has them, else ``priceText``."""
    return sizes_text(row.sizes, currency) if row.sizes else row.priceText


def _by_guid(rows: Iterable[Row]) -> tuple[dict[str, Row], dict[str, list[Row]]]:
    first: dict[str, Row] = {}
    every: dict[str, list[Row]] = {}
    for row in rows:
        key = row.guid.lower()
        first.setdefault(key, row)
        every.setdefault(key, []).append(row)
    return first, every


def _ref(row: Row) -> ItemRef:
    return ItemRef(guid=row.guid, name=row.name, priceText=row.priceText)


_PRICE_AND_STOCK: dict[str, object] = {"price": None, "priceText": "", "sizes": [],
                                       "outOfStock": False, "quantity": None}


def _without_price_and_stock(rows: list[Row]) -> list[Row]:
    """Everything else about an item, wherever it is shown: what makes an edit an edit."""
    return [msgspec.structs.replace(r, **_PRICE_AND_STOCK) for r in rows]


def diff_rows(old: Sequence[Row], new: Sequence[Row], currency: str = "USD") -> Changes:
    """Added, removed, re-priced, sold out and back-in-stock items from ``old`` to ``new``."""
    before, before_all = _by_guid(old)
    after, after_all = _by_guid(new)
    added = [_ref(r) for k, r in after.items() if k not in before]
    removed = [_ref(r) for k, r in before.items() if k not in after]
    prices: list[PriceChange] = []
    sold_out: list[ItemRef] = []
    back: list[ItemRef] = []
    other = 0
    for key, was in before.items():
        now = after.get(key)
        if now is None or before_all[key] == after_all[key]:  # gone, or untouched (fast, in C)
            continue
        was_price, now_price = price_display(was, currency), price_display(now, currency)
        if was_price != now_price:
            prices.append(PriceChange(guid=now.guid, name=now.name, before=was_price,
                                      after=now_price))
        if now.outOfStock and not was.outOfStock:
            sold_out.append(_ref(now))
        elif was.outOfStock and not now.outOfStock:
            back.append(_ref(now))
        if _without_price_and_stock(before_all[key]) != _without_price_and_stock(after_all[key]):
            other += 1
    kinds: dict[str, list[ItemRef] | list[PriceChange]] = {
        "added": added, "removed": removed, "priceChanges": prices, "soldOut": sold_out,
        "backInStock": back}
    return Changes(
        added=tuple(added[:LIST_LIMIT]), removed=tuple(removed[:LIST_LIMIT]),
        priceChanges=tuple(prices[:LIST_LIMIT]), soldOut=tuple(sold_out[:LIST_LIMIT]),
        backInStock=tuple(back[:LIST_LIMIT]), otherEdits=other,
        counts={k: len(v) for k, v in kinds.items()})
