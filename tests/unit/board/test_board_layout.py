"""The board's layout rules: column packing, balancing, size floors, the next menu."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.board.layout import (
    FEW_ITEMS,
    NAME_FLOOR,
    NAME_FLOOR_FEW,
    Group,
    balance,
    name_floor,
    next_opening,
    pack,
)

MONDAY = datetime(2025, 3, 3)


def heights(columns: list[list[tuple[int, int, int, bool]]],
            groups: list[Group]) -> list[float]:
    out = []
    for column in columns:
        total = 0.0
        for g, first, end, continued in column:
            head, cont, items = groups[g]
            total += (cont if continued else head) + sum(items[first:end])
        out.append(total)
    return out


def test_groups_that_fit_share_one_column() -> None:
    """Two short groups stack in one column, each under its own heading."""
    groups: list[Group] = [(10, 10, [20, 20]), (10, 10, [20])]
    assert pack(groups, 200) == [[(0, 0, 2, False), (1, 0, 1, False)]]


def test_a_group_running_over_continues_under_a_continued_heading() -> None:
    """A group past the foot of a column goes on at the top of the next, marked continued."""
    groups: list[Group] = [(10, 8, [30, 30, 30, 30])]
    assert pack(groups, 100) == [[(0, 0, 3, False)], [(0, 3, 4, True)]]


def test_no_heading_is_left_alone_at_the_foot_of_a_column() -> None:
    """A heading whose first item does not fit under it moves to the next column."""
    groups: list[Group] = [(10, 10, [30, 30]), (10, 10, [30])]
    assert pack(groups, 90) == [[(0, 0, 2, False)], [(1, 0, 1, False)]]
    for column in pack([(10, 10, [25] * 7), (15, 12, [25] * 5)], 100):
        assert all(end > first for _, first, end, _ in column)


def test_every_column_after_the_first_starts_with_a_heading() -> None:
    """Whatever the heights, each column's first segment is a heading: a new group's or
    a continued one; and every item is placed exactly once, in order."""
    groups: list[Group] = [(12, 10, [17, 41, 23, 9, 30]), (12, 10, [50, 11]),
                           (14, 10, [8] * 12), (12, 10, [66])]
    columns = pack(groups, 80)
    placed = [(g, i) for column in columns for g, a, b, _ in column for i in range(a, b)]
    assert placed == [(g, i) for g, (_, _, items) in enumerate(groups)
                      for i in range(len(items))]
    for column in columns:
        _, first, _, continued = column[0]
        assert continued == (first > 0)
    assert all(h <= 80.5 for h in heights(columns, groups))


def test_an_item_taller_than_a_column_gets_a_column_of_its_own() -> None:
    """An item that can never fit is still placed (the caller then shrinks or pages)."""
    assert pack([(10, 10, [500, 20])], 100) == [[(0, 0, 1, False)], [(0, 1, 2, True)]]


def test_empty_groups_are_not_placed() -> None:
    """A group without items gives no segment (a heading alone is never drawn)."""
    assert pack([(10, 10, []), (10, 10, [20])], 100) == [[(1, 0, 1, False)]]


def test_balance_spreads_items_evenly_over_the_columns() -> None:
    """Twelve equal items in three columns: the balanced height gives four per column."""
    groups: list[Group] = [(10, 10, [20] * 12)]
    h = balance(groups, 1000, 3)
    columns = pack(groups, h)
    assert len(columns) == 3
    assert [b - a for column in columns for _, a, b, _ in column] == [4, 4, 4]


def test_balance_keeps_the_full_height_when_nothing_fits() -> None:
    """More content than the columns hold: the full height is answered unchanged."""
    assert balance([(10, 10, [60] * 10)], 100, 2) == 100


def test_balanced_columns_differ_by_at_most_one_item() -> None:
    """Balanced columns of mixed groups end within the tallest item of each other."""
    groups: list[Group] = [(12, 12, [20] * 5), (12, 12, [20] * 9), (12, 12, [20] * 3)]
    columns = pack(groups, balance(groups, 10_000, 3))
    assert len(columns) == 3
    filled = heights(columns, groups)
    assert max(filled) - min(filled) <= 20 + 12


@pytest.mark.parametrize(("count", "floor"), [(1, NAME_FLOOR_FEW), (FEW_ITEMS, NAME_FLOOR_FEW),
                                              (FEW_ITEMS + 1, NAME_FLOOR), (3000, NAME_FLOOR)])
def test_name_floor_is_larger_for_short_menus(count: int, floor: float) -> None:
    """40 items or fewer: names at least 2.2 % of a landscape screen's height; longer
    menus 1.5 %."""
    assert name_floor(count) == floor
    assert name_floor(count, 1920, 1080) == floor


def test_name_floor_in_portrait_is_the_landscape_size_turned() -> None:
    """On a portrait screen the short-menu floor is 2.2 % of the width (the same letters as
    the panel in landscape), but never under the long-menu floor of 1.5 % of the height."""
    assert name_floor(10, 1080, 1920) == NAME_FLOOR
    assert name_floor(10, 1800, 1920) == pytest.approx(NAME_FLOOR_FEW * 1800 / 1920)


BREAKFAST = [(d, 7 * 3600, 11 * 3600) for d in range(5)]
DINNER = [(d, 17 * 3600, 22 * 3600) for d in range(7)]
LATE = [(4, 22 * 3600, 2 * 3600)]


@pytest.mark.parametrize(("local", "expected"), [
    (MONDAY.replace(hour=3), (0, MONDAY.replace(hour=7))),
    (MONDAY.replace(hour=12), (1, MONDAY.replace(hour=17))),
    (MONDAY.replace(hour=23), (0, MONDAY.replace(day=4, hour=7))),
    (MONDAY.replace(day=8, hour=23), (1, MONDAY.replace(day=9, hour=17))),  # Saturday
    (MONDAY.replace(hour=7), (1, MONDAY.replace(hour=17))),  # at 07:00 breakfast is open
])
def test_next_opening_finds_the_first_start_after_now(
        local: datetime, expected: tuple[int, datetime]) -> None:
    """The next menu is the one whose window starts first after the local wall time."""
    assert next_opening([BREAKFAST, DINNER, None], local) == expected


def test_next_opening_of_an_overnight_window() -> None:
    """A Friday 22:00-02:00 window opens next on Friday at 22:00, from Saturday morning a
    week later."""
    assert next_opening([LATE], MONDAY) == (0, MONDAY.replace(day=7, hour=22))
    assert next_opening([LATE], MONDAY.replace(day=8, hour=1)) == (
        0, MONDAY.replace(day=14, hour=22))


def test_next_opening_skips_a_window_that_continues_another() -> None:
    """11:00 is no opening when one window ends and the next begins there."""
    joined = [(0, 7 * 3600, 11 * 3600), (0, 11 * 3600, 15 * 3600)]
    assert next_opening([joined], MONDAY.replace(hour=6)) == (0, MONDAY.replace(hour=7))
    assert next_opening([joined], MONDAY.replace(hour=16)) == (
        0, MONDAY.replace(day=10, hour=7))


def test_next_opening_without_schedules_is_none() -> None:
    """Menus that are always available (or never) have no next opening."""
    assert next_opening([None, []], MONDAY) is None
