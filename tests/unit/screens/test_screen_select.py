"""Applying a screen to a menu: which rows, in which order, renamed and badged."""

from __future__ import annotations

from app.screens.model import Screen
from app.screens.select import ScreenRow, select
from tests.support.screens import flat_menu, item_guid

MENU = flat_menu([
    ("Lunch", "Burgers", "Classic"), ("Lunch", "Burgers", "Veggie"),
    ("Lunch", "Burgers > Sides", "Fries"), ("Lunch", "Salads", "Caesar"),
    ("Drinks", "Beer", "Lager"), ("Drinks", "Soft", "Cola"), ("Drinks", "Soft", "Happy Hour"),
], out_of_stock=["Veggie"])


def names(screen: Screen) -> list[str]:
    return [r.name for r in select(MENU, MENU.rows, screen).rows]


def test_no_choice_is_every_row_in_toast_order() -> None:
    """A screen that chooses nothing shows every row, in Toast's order."""
    assert names(Screen()) == [r.name for r in MENU.rows]


def test_menus_in_the_order_given() -> None:
    """``menus`` keeps those menus in the order given, names matched case-insensitively."""
    assert names(Screen(menus=["drinks", "Lunch"]))[:3] == ["Lager", "Cola", "Happy Hour"]


def test_groups_in_the_order_given_at_any_level_each_row_once() -> None:
    """``groups`` picks rows under each group (children included) in the order given; a
    row under two named groups appears once."""
    assert names(Screen(groups=["Soft", "Burgers", "Sides"])) == [
        "Cola", "Happy Hour", "Classic", "Veggie", "Fries"]


def test_items_in_the_order_given_instead_of_groups() -> None:
    """``items`` shows exactly those items in that order, each once."""
    chosen = [item_guid("Cola"), item_guid("Classic"), item_guid("Cola")]
    assert names(Screen(items=chosen, groups=["Salads"])) == ["Cola", "Classic"]


def test_hide_and_sold_out_hide() -> None:
    """``hide`` drops items; ``soldOut: hide`` drops sold-out ones (``mark`` keeps them)."""
    screen = Screen(menus=["Lunch"], hide=[item_guid("Fries")], soldOut="hide")
    assert names(screen) == ["Classic", "Caesar"]
    assert "Veggie" in names(Screen(menus=["Lunch"]))


def test_rename_describe_badges() -> None:
    """``rename``/``describe`` replace name and description; ``badges`` are added to the row."""
    guid = item_guid("Classic")
    sel = select(MENU, MENU.rows, Screen(items=[guid], rename={guid: "The Burger"},
                                         describe={guid: "Our best"}, badges={guid: ["New"]}))
    row = sel.rows[0]
    assert isinstance(row, ScreenRow)
    assert (row.name, row.description, row.badges) == ("The Burger", "Our best", ("New",))
    assert row.guid == guid and row.price == 1.0


def test_missing_names_are_skipped_and_listed() -> None:
    """Names and GUIDs the menu does not have are skipped and listed under ``missing``."""
    gone = item_guid("Gone")
    sel = select(MENU, MENU.rows, Screen(menus=["Brunch", "Drinks"]))
    assert [r.name for r in sel.rows] == ["Lager", "Cola", "Happy Hour"]
    assert sel.missing == {"menus": ["Brunch"]}
    assert select(MENU, MENU.rows, Screen(groups=["Tacos", "Beer"])).missing == {
        "groups": ["Tacos"]}
    assert select(MENU, MENU.rows, Screen(items=[gone])).missing == {"items": [gone]}


def test_row_menu_follows_the_rows() -> None:
    """Each selected row keeps its menu index (the board groups sections by it)."""
    sel = select(MENU, MENU.rows, Screen(menus=["Drinks", "Lunch"]))
    assert sel.row_menu == (1, 1, 1, 0, 0, 0, 0)
