"""The board's layout rules as pure functions (docs/board-layout.md).

The board's script measures every heading and item at a text size and then
places them with the same rules as ``pack`` and ``balance`` here (``board.js``
mirrors them line for line; a browser test checks the two agree). This module is
the reference: the rules are tested here without a browser, and the server uses
``next_opening`` to pick what a board shows first when no menu is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from app.menu.availability import Window, windows_cover

Group = tuple[float, float, Sequence[float]]
"""A group as measured: heading height, continued-heading height, item heights."""
Segment = tuple[int, int, int, bool]
"""Part of a group in one column: group index, first item, item after the last,
and whether it continues a group begun in an earlier column."""
Column = list[Segment]

FEW_ITEMS = 40
"""Up to this many items the board keeps names at ``NAME_FLOOR_FEW`` or larger."""
NAME_FLOOR_FEW = 2.2
"""Item names in % of the screen's short side, for ``FEW_ITEMS`` or fewer (three metres):
the height of a landscape screen; a portrait screen is the same panel turned, so the
same letters are 2.2 % of its width (never less than ``NAME_FLOOR`` of its height)."""
NAME_FLOOR = 1.5
"""The smallest names in % of the screen height for longer menus; below it, pages."""
DESCRIPTION_RATIO = 0.6
"""Descriptions, sizes and calories are at least this share of the name size."""
SLACK = 0.5
"""Pixels of rounding a column may overrun (measured heights are fractional)."""


def name_floor(count: int, width: float = 16, height: float = 9) -> float:
    """The smallest name size, in % of the screen height, for ``count`` items."""
    if count > FEW_ITEMS:
        return NAME_FLOOR
    return max(NAME_FLOOR_FEW * min(width, height) / height, NAME_FLOOR)


def pack(groups: Sequence[Group], height: float) -> list[Column]:
    """Fill columns of ``height`` in order, never leaving a heading without an item.

    A group's heading goes to the next column unless its first item fits under
    it; a group that runs past the foot of a column goes on in the next one under
    a continued heading. An item taller than a column still gets a column of its
    own (the caller then tries a smaller size or pages).
    """
    columns: list[Column] = []
    column: Column = []
    used = 0.0
    limit = height + SLACK
    for index, (head, continued_head, items) in enumerate(groups):
        item = 0
        continued = False
        while item < len(items):
            top = continued_head if continued else head
            if column and used + top + items[item] > limit:
                columns.append(column)
                column, used = [], 0.0
            first = item
            used += top + items[item]
            item += 1
            while item < len(items) and used + items[item] <= limit:
                used += items[item]
                item += 1
            column.append((index, first, item, continued))
            if item < len(items):
                columns.append(column)
                column, used = [], 0.0
                continued = True
    if column:
        columns.append(column)
    return columns


def balance(groups: Sequence[Group], height: float, columns: int) -> float:
    """The shortest column height at which ``groups`` still fit ``columns`` columns.

    Packing at that height spreads the items evenly instead of filling the first
    columns and leaving the last one short. ``height`` when they do not fit at all.
    """
    if len(pack(groups, height)) > columns:
        return height
    low, high = 0.0, height
    while high - low > SLACK:
        middle = (low + high) / 2
        if len(pack(groups, middle)) <= columns:
            high = middle
        else:
            low = middle
    return high


def next_opening(windows: Sequence[Sequence[Window] | None],
                 local: datetime) -> tuple[int, datetime] | None:
    """The menu that opens next after wall time ``local`` and when (wall time).

    ``windows`` has one entry per menu (None: always available, so never "next").
    Looks a week ahead, which sees every start of a weekly schedule; None when no
    menu ever opens.
    """
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    best: tuple[int, datetime] | None = None
    for index, menu_windows in enumerate(windows):
        for day, start, _ in menu_windows or ():
            offset = (day - local.weekday()) % 7
            for days in (offset, offset + 7):
                at = midnight + timedelta(days=days, seconds=start)
                if at <= local or windows_cover(menu_windows or (), at - timedelta(seconds=1)):
                    continue  # already past, or not a start (the window runs on)
                if best is None or at < best[1]:
                    best = (index, at)
                break
    return best
