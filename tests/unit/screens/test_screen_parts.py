"""Splitting a screen across displays: every item once, group order kept, balanced."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.menu.rows import Row
from app.screens.parts import HEADING, item_space, part_space, split
from tests.support.screens import flat_menu

GROUPS = ["Burgers", "Salads", "Beer", "Soft", "Sweets"]


def menu_of(sizes: list[int], long: bool = False) -> tuple[list[Row], list[int]]:
    spec = [("Menu", GROUPS[g % len(GROUPS)], f"{GROUPS[g % len(GROUPS)]} {i}")
            for g, n in enumerate(sizes) for i in range(n)]
    flat = flat_menu(spec, description="x" * 130 if long else "")
    return list(flat.rows), list(flat.row_menu)


@given(st.lists(st.integers(0, 12), max_size=8), st.integers(1, 6), st.booleans())
def test_parts_are_disjoint_and_their_union_is_the_selection(
        sizes: list[int], parts: int, long: bool) -> None:
    """For any menu and any parts count: ``parts`` runs, disjoint, together every row
    exactly once and in order (so group order is kept)."""
    rows, row_menu = menu_of(sizes, long)
    runs = split(rows, row_menu, parts)
    assert len(runs) == parts
    assert [i for run in runs for i in run] == list(range(len(rows)))


@given(st.lists(st.integers(1, 12), min_size=1, max_size=8), st.integers(2, 5))
def test_no_part_needs_more_than_one_item_over_an_even_share(
        sizes: list[int], parts: int) -> None:
    """Balanced by space: the fullest part needs at most an even share plus one item and
    its repeated heading."""
    rows, row_menu = menu_of(sizes)
    runs = split(rows, row_menu, parts)
    total = part_space(rows, row_menu, range(len(rows)))
    biggest = max(item_space(r) for r in rows)
    assert max(part_space(rows, row_menu, run) for run in runs) <= (
        total + HEADING * (parts - 1)) / parts + biggest + HEADING


def test_two_even_groups_over_two_parts_split_at_the_group() -> None:
    """Two groups of equal size on two displays: one group each."""
    rows, row_menu = menu_of([4, 4])
    assert split(rows, row_menu, 2) == [range(0, 4), range(4, 8)]


def test_one_long_group_is_cut_in_the_middle() -> None:
    """A single group of ten items over two displays: five and five (the heading repeats)."""
    rows, row_menu = menu_of([10])
    assert split(rows, row_menu, 2) == [range(0, 5), range(5, 10)]


def test_fewer_rows_than_parts_leaves_trailing_parts_empty() -> None:
    """Two items on three displays: one each on the first two, the third empty."""
    rows, row_menu = menu_of([2])
    assert [len(r) for r in split(rows, row_menu, 3)] == [1, 1, 0]


def test_descriptions_count_as_space() -> None:
    """An item with a long description weighs more than a bare one."""
    rows, _ = menu_of([1], long=True)
    bare, _ = menu_of([1])
    assert item_space(rows[0]) > item_space(bare[0])
