"""The ``/menu`` (and ``/board``) query filters: parsed once, applied to ready rows.

``menu=`` matches a menu name (case-insensitive) or guid; ``group=`` matches any
group on the row's path, so ``group=Burgers`` keeps its child group "Sides" too;
``tag=`` matches any item tag. Repeating a parameter widens it (OR); different
parameters narrow (AND), up to ``MAX_VALUES`` times each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.errors import BadRequest
from app.menu.availability import is_available, to_local, zone
from app.menu.flatten import FlatMenu
from app.menu.rows import Row

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
MAX_VALUES = 50
"""How often one of ``menu=``, ``group=``, ``tag=`` may be given (duplicates count): a
query naming more is 400, whatever it would cost to read."""


def parse_bool(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise BadRequest(f"{name} must be true or false, got {value!r}")


@dataclass(frozen=True, slots=True)
class Filters:
    menus: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    hide_out_of_stock: bool = False
    available_now: bool = False
    available_all: bool = False
    """``available=all``: every menu whatever the time (the board's default is ``now``)."""

    @classmethod
    def from_query(cls, items: Iterable[tuple[str, str]]) -> Filters:
        """Build from query pairs; other parameters (key, format, ...) are ignored."""
        # Sets, not lists: de-duplication stays linear however many values come.
        chosen: dict[str, set[str]] = {"menu": set(), "group": set(), "tag": set()}
        given = dict.fromkeys(chosen, 0)
        hide = available = every = False
        for name, value in items:
            if name in chosen:
                given[name] += 1
                if given[name] > MAX_VALUES:
                    raise BadRequest(f"{name}= may be given at most {MAX_VALUES} times")
                folded = value.strip().casefold()
                if folded:
                    chosen[name].add(folded)
            elif name == "hide_out_of_stock":
                hide = parse_bool(name, value)
            elif name == "available":
                wanted = value.strip().lower()
                if wanted not in ("now", "all"):
                    raise BadRequest(f"available must be 'now' or 'all', got {value!r}")
                available, every = wanted == "now", wanted == "all"
        # Sorted so equal filter sets are equal keys for a cache of filtered answers.
        return cls(tuple(sorted(chosen["menu"])), tuple(sorted(chosen["group"])),
                   tuple(sorted(chosen["tag"])), hide, available, every)

    @property
    def is_empty(self) -> bool:
        return not (self.menus or self.groups or self.tags or self.hide_out_of_stock
                    or self.available_now)


def filter_indexes(flat: FlatMenu, rows: Sequence[Row], filters: Filters,
                   now: datetime) -> list[int]:
    """Indexes of ``rows`` (parallel to ``flat.rows``) that pass ``filters``."""
    menu_ok = [True] * len(flat.menus)
    if filters.menus or filters.available_now:
        wanted = set(filters.menus)
        local = to_local(now, zone(flat.time_zone))
        for i, menu in enumerate(flat.menus):
            named = not wanted or bool({menu.name.casefold(), menu.guid.casefold()} & wanted)
            menu_ok[i] = named and (not filters.available_now
                                    or is_available(menu.availability, local))
    groups = set(filters.groups)
    tags = set(filters.tags)
    keep: list[int] = []
    for i, row in enumerate(rows):
        if not menu_ok[flat.row_menu[i]]:
            continue
        if filters.hide_out_of_stock and row.outOfStock:
            continue
        if groups and groups.isdisjoint(flat.row_groups[i]):
            continue
        if tags and not any(t.casefold() in tags for t in row.tags):
            continue
        keep.append(i)
    return keep


def apply_filters(flat: FlatMenu, rows: Sequence[Row], filters: Filters,
                  now: datetime) -> list[Row]:
    """The rows that pass ``filters``; ``rows`` is ``flat.rows`` with stock applied."""
    if filters.is_empty:
        return list(rows)
    return [rows[i] for i in filter_indexes(flat, rows, filters, now)]
