"""Applying a screen to a restaurant's rows: which rows, in which order, as what.

Pure: a ``FlatMenu`` (with stock applied to its rows) and a ``Screen`` in, a
``Selection`` out. The rules, in order (docs/screens.md):

1. ``menus`` keeps those menus, in the order given (a name or GUID, case-insensitive);
2. ``items`` (if any) then picks those items in that order, each once (its first
   occurrence in the kept menus); else ``groups`` (if any) picks, group by group in the
   order given, the rows under that group at any level, each row once; else every row
   of the kept menus, menu by menu, in Toast's order;
3. ``hide`` and, with ``soldOut: hide``, sold-out rows are dropped;
4. ``rename``, ``describe`` and ``badges`` change what a row says.

A name or GUID the menu does not have is skipped and reported in ``missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from app.menu.flatten import FlatMenu
from app.menu.rows import Row
from app.screens.model import Screen


class ScreenRow(Row, kw_only=True, gc=False):
    """A ``/menu`` row after a screen's choices: ``badges`` the screen added to it."""

    badges: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Selection:
    rows: tuple[Row, ...]
    row_menu: tuple[int, ...]
    """Each row's menu index in the ``FlatMenu`` (parallel to ``rows``)."""
    missing: dict[str, list[str]] = field(default_factory=dict)
    """``menus``/``groups``/``items`` entries the menu does not have (only non-empty ones)."""


def _menu_order(flat: FlatMenu, wanted: Sequence[str],
                missing: dict[str, list[str]]) -> list[int]:
    if not wanted:
        return list(range(len(flat.menus)))
    order: list[int] = []
    for name in wanted:
        folded = name.strip().casefold()
        found = [i for i, m in enumerate(flat.menus)
                 if folded in (m.name.casefold(), m.guid.casefold())]
        if not found:
            missing.setdefault("menus", []).append(name)
        order.extend(i for i in found if i not in order)
    return order


def _picked(flat: FlatMenu, screen: Screen, menu_order: list[int],
            missing: dict[str, list[str]]) -> list[int]:
    """Row indexes in the screen's order, before ``hide`` and sold-out rows are dropped."""
    rank = {m: n for n, m in enumerate(menu_order)}
    in_menus = sorted((i for i in range(len(flat.rows)) if flat.row_menu[i] in rank),
                      key=lambda i: rank[flat.row_menu[i]])  # stable: Toast order inside
    if screen.items:
        first: dict[str, int] = {}
        for i in in_menus:
            first.setdefault(flat.rows[i].guid.lower(), i)
        picked = []
        for guid in dict.fromkeys(screen.items):
            if guid in first:
                picked.append(first[guid])
            else:
                missing.setdefault("items", []).append(guid)
        return picked
    if screen.groups:
        seen: set[int] = set()
        picked = []
        for name in screen.groups:
            folded = name.strip().casefold()
            rows = [i for i in in_menus if folded in flat.row_groups[i] and i not in seen]
            if not any(folded in flat.row_groups[i] for i in in_menus):
                missing.setdefault("groups", []).append(name)
            seen.update(rows)
            picked.extend(rows)
        return picked
    return in_menus


def _as_shown(row: Row, screen: Screen) -> Row:
    guid = row.guid.lower()
    name = screen.rename.get(guid)
    description = screen.describe.get(guid)
    badges = screen.badges.get(guid, ())
    values = msgspec.structs.asdict(row)
    if name is not None:
        values["name"] = name
    if description is not None:
        values["description"] = description
    return ScreenRow(**values, badges=tuple(badges))


def select(flat: FlatMenu, rows: Sequence[Row], screen: Screen) -> Selection:
    """The rows ``screen`` shows; ``rows`` is ``flat.rows`` with stock applied."""
    missing: dict[str, list[str]] = {}
    picked = _picked(flat, screen, _menu_order(flat, screen.menus, missing), missing)
    hidden = set(screen.hide)
    keep = [i for i in picked if rows[i].guid.lower() not in hidden
            and not (screen.soldOut == "hide" and sold_out(rows[i]))]
    return Selection(tuple(_as_shown(rows[i], screen) for i in keep),
                     tuple(flat.row_menu[i] for i in keep), missing)


def sold_out(row: Row) -> bool:
    """Out of stock, or a counted item with none left (as the board marks it)."""
    return row.outOfStock or (row.quantity is not None and row.quantity <= 0)


def for_board(row: Row) -> Row:
    """The row as the board draws it: the screen's badges shown with the item's tags."""
    extra = getattr(row, "badges", ())
    return msgspec.structs.replace(row, tags=(*row.tags, *extra)) if extra else row
