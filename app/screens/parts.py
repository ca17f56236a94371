"""Splitting a screen's selection across ``parts`` displays side by side.

Pure. The selection is cut into ``parts`` consecutive runs (so group order is kept
and every row is on exactly one part), chosen so that the fullest part needs as
little space as possible. Space is counted in half lines: an item's name line, its
description (one line per ~60 characters, at most three), its sizes line; a group
heading counts at the top of every part it appears on, since a group cut in two
repeats its heading on the next part (docs/screens.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.menu.rows import Row

HEADING = 3
NAME = 2
DESCRIPTION_LINE = 2
DESCRIPTION_CHARS = 60
MAX_DESCRIPTION_LINES = 3
SIZES = 1


def item_space(row: Row) -> int:
    """Half lines an item needs on the board."""
    space = NAME
    if row.description:
        lines = min(MAX_DESCRIPTION_LINES, -(-len(row.description) // DESCRIPTION_CHARS))
        space += DESCRIPTION_LINE * lines
    if row.sizes:
        space += SIZES
    return space


def section_starts(rows: Sequence[Row], row_menu: Sequence[int]) -> list[bool]:
    """Whether each row starts a new group section (its heading is drawn above it)."""
    out: list[bool] = []
    previous: tuple[int, str] | None = None
    for row, menu in zip(rows, row_menu, strict=True):
        here = (menu, row.groupPath)
        out.append(here != previous)
        previous = here
    return out


def _cuts(space: Sequence[int], starts: Sequence[bool], limit: int) -> list[int] | None:
    """Where each part begins when every part is filled up to ``limit``; None if more
    parts than rows would be needed. Greedy is optimal here: a run's space only grows as
    it takes in more rows."""
    cuts = [0]
    used = 0
    for i, need in enumerate(space):
        cost = need + (HEADING if starts[i] else 0)
        if i > cuts[-1] and used + cost > limit:
            cuts.append(i)
            used = HEADING + need  # the first row of a part always has its heading
        else:
            used += cost
            if i == cuts[-1] and not starts[i]:
                used += HEADING
        if used > limit:
            return None
    return cuts


def split(rows: Sequence[Row], row_menu: Sequence[int], parts: int) -> list[range]:
    """``parts`` consecutive ranges of row indexes covering ``rows`` once, as balanced by
    space as a cut between rows allows; trailing ranges are empty when rows run short."""
    n = len(rows)
    if parts <= 1 or n == 0:
        return [range(n), *(range(n, n) for _ in range(parts - 1))]
    space = [item_space(r) for r in rows]
    starts = section_starts(rows, row_menu)
    low = max(space) + HEADING
    high = sum(space) + HEADING * (sum(starts) + parts)
    while low < high:  # the smallest limit that fits in ``parts`` runs
        mid = (low + high) // 2
        cuts = _cuts(space, starts, mid)
        if cuts is not None and len(cuts) <= parts:
            high = mid
        else:
            low = mid + 1
    found = _cuts(space, starts, low) or [0]
    found += [n] * (parts - len(found))
    bounds = [*found, n]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts)]


def part_space(rows: Sequence[Row], row_menu: Sequence[int], run: range) -> int:
    """The space one part needs (for tests and the admin view)."""
    if not run:
        return 0
    starts = section_starts([rows[i] for i in run], [row_menu[i] for i in run])
    return sum(item_space(rows[i]) for i in run) + HEADING * sum(starts)
