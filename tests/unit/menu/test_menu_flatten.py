"""Flattening: display order, group paths, visibility cascades, row fields, the example menu."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.menu.flatten import FlatMenu, flatten
from app.menu.model import decode_menus
from app.menu.rows import Size
from tests.support.menu_docs import (
    EXAMPLE,
    Json,
    decode,
    document,
    group,
    item,
    menu,
    mod_group,
    one_item_doc,
    option,
)

MONDAY_HAPPY = datetime(2025, 2, 17, 20, 30, tzinfo=UTC)  # Mon 15:30 New York
MONDAY_EVENING = datetime(2025, 2, 17, 23, 0, tzinfo=UTC)  # Mon 18:00 New York
SATURDAY_HAPPY = datetime(2025, 2, 22, 20, 30, tzinfo=UTC)  # Sat 15:30 New York


def flat_of(doc: Json, now: datetime = MONDAY_HAPPY) -> FlatMenu:
    return flatten(decode(doc), now=now)


def example(now: datetime) -> FlatMenu:
    return flatten(decode_menus(EXAMPLE.read_bytes()), now=now)


def test_example_rows_in_display_order() -> None:
    """The example gives four rows: the group's own items, then its child group; Staff Meal gone."""
    rows = example(MONDAY_HAPPY).rows
    assert [(r.name, r.group, r.groupPath) for r in rows] == [
        ("Classic Burger", "Burgers & Wings", "Burgers & Wings"),
        ("Veggie Burger", "Burgers & Wings", "Burgers & Wings"),
        ("Happy Hour Wings", "Burgers & Wings", "Burgers & Wings"),
        ("Fries", "Sides", "Burgers & Wings > Sides"),
    ]


def test_example_fries_sizes() -> None:
    """Fries shows Small $3.50 / Large $5.00 and the lowest size as its price (SIZE_PRICE)."""
    fries = example(MONDAY_HAPPY).rows[3]
    assert (fries.price, fries.priceText) == (3.5, "$3.50")
    assert fries.sizes == (Size(name="Small", price=3.5), Size(name="Large", price=5.0))
    assert fries.modifiers == "Dipping Sauce: Garlic Aioli +$0.50/$0.75, Chipotle Mayo +$0.50/$0.75"


@pytest.mark.parametrize(("now", "price"), [
    (MONDAY_HAPPY, 8.0), (MONDAY_EVENING, 12.0), (SATURDAY_HAPPY, 12.0),
    (datetime(2025, 2, 21, 20, 0, tzinfo=UTC), 8.0),  # Friday 15:00 New York
])
def test_example_wings_follow_new_york_time(now: datetime, price: float) -> None:
    """Wings are $8.00 on weekdays 15:00-18:00 New York time and $12.00 otherwise."""
    wings = example(now).rows[2]
    assert (wings.name, wings.price, wings.priceText) == ("Happy Hour Wings", price,
                                                          f"${price:.2f}")


def test_example_valid_until_is_the_next_flip() -> None:
    """The flattened example says when the wings price next changes (18:00 New York)."""
    assert example(MONDAY_HAPPY).valid_until == MONDAY_EVENING


def test_example_other_fields() -> None:
    """Tags, calories, image (first of images when needed), alcohol, modifiers come through."""
    flat = example(MONDAY_HAPPY)
    burger, veggie = flat.rows[0], flat.rows[1]
    assert burger.modifiers == "Add Cheese: Cheddar +$1.00, Swiss +$1.25"
    assert (burger.calories, burger.image, burger.tags) == (780, None, ())
    assert veggie.tags == ("Vegetarian",)
    assert veggie.image is not None and veggie.image.endswith("veggie-burger-main.jpg")
    assert (veggie.alcohol, veggie.outOfStock, veggie.quantity) == (False, False, None)
    assert (flat.restaurant_guid, flat.time_zone, flat.last_updated) == (
        "acb18348-0c2e-5b0c-9c74-b57a64dd77fd", "America/New_York",
        "2025-02-15T12:30:00.000+0000")
    assert [m.name for m in flat.menus] == ["All Day"]


def names(flat: FlatMenu) -> list[str]:
    return [r.name for r in flat.rows]


HIDDEN: list[tuple[str, Json, list[str]]] = [
    ("hidden menu drops its items", document([
        menu("Secret", [group("G", [item("A")])], visibility=[]),
        menu("Open", [group("G", [item("B")])])]), ["B"]),
    ("hidden group drops items and child groups", document([menu("M", [
        group("Top", [item("A")], [group("Child", [item("B")])], visibility=[]),
        group("Other", [item("C")])])]), ["C"]),
    ("hidden child group only", document([menu("M", [
        group("Top", [item("A")], [group("Child", [item("B")], visibility=[])])])]), ["A"]),
    ("hidden item only", document([menu("M", [
        group("G", [item("A", visibility=[]), item("B")])])]), ["B"]),
    ("one channel is enough", document([menu("M", [
        group("G", [item("A", visibility=["KIOSK"])])], visibility=["POS"])]), ["A"]),
    ("null visibility counts as visible", document([menu("M", [
        group("G", [{**item("A"), "visibility": None}])])]), ["A"]),
]


@pytest.mark.parametrize(("label", "doc", "expected"), HIDDEN, ids=[h[0] for h in HIDDEN])
def test_visibility_cascades(label: str, doc: Json, expected: list[str]) -> None:
    """An empty visibility array drops the entity and everything under it."""
    assert names(flat_of(doc)) == expected


def test_array_order_not_sort_order() -> None:
    """Rows follow array order even when sortOrder says otherwise (sortOrder is for tickets)."""
    doc = document([menu("M", [group("G", [item("Z", sortOrder=1), item("A", sortOrder=2),
                                          item("M", sortOrder=0)])])])
    assert names(flat_of(doc)) == ["Z", "A", "M"]


def test_deep_nesting_group_path() -> None:
    """groupPath joins every group name from the top; group is the innermost."""
    doc = document([menu("M", [group("Drinks", [], [group("Beer", [], [
        group("Draft", [item("IPA")])])])])])
    row = flat_of(doc).rows[0]
    assert (row.menu, row.group, row.groupPath) == ("M", "Draft", "Drinks > Beer > Draft")


def test_item_occurrences_give_separate_rows() -> None:
    """An item in two groups and two menus gives one row per occurrence."""
    doc = document([menu("Lunch", [group("A", [item("Soda", guid="same-guid")]),
                                   group("B", [item("Soda", guid="same-guid")])]),
                    menu("Dinner", [group("A", [item("Soda", guid="same-guid")])])])
    flat = flat_of(doc)
    assert [(r.menu, r.group, r.guid) for r in flat.rows] == [
        ("Lunch", "A", "same-guid"), ("Lunch", "B", "same-guid"), ("Dinner", "A", "same-guid")]
    assert flat.row_menu == (0, 0, 1)


FIELDS: list[tuple[str, Json, str, object]] = [
    ("alcohol yes", item("Beer", contentAdvisories={"alcohol": {"containsAlcohol": "YES"}}),
     "alcohol", True),
    ("alcohol no", item("Soda", contentAdvisories={"alcohol": {"containsAlcohol": "NO"}}),
     "alcohol", False),
    ("alcohol null", item("X", contentAdvisories={"alcohol": {"containsAlcohol": None}}),
     "alcohol", False),
    ("alcohol boolean", item("X", contentAdvisories={"alcohol": {"containsAlcohol": True}}),
     "alcohol", True),
    ("advisories null", item("X", contentAdvisories=None), "alcohol", False),
    ("calories", item("X", calories=640), "calories", 640),
    ("calories negative", item("X", calories=-5), "calories", -5),
    ("calories float", item("X", calories=99.7), "calories", 99),
    ("calories null", item("X", calories=None), "calories", None),
    ("image", item("X", image="https://i/a.jpg", images=["https://i/b.jpg"]), "image",
     "https://i/a.jpg"),
    ("first of images", item("X", image=None, images=["https://i/b.jpg", "https://i/c.jpg"]),
     "image", "https://i/b.jpg"),
    ("empty image string", item("X", image="", images=[]), "image", None),
    ("tags", item("X", itemTags=[{"name": "Vegan", "guid": "g1"}, {"name": "Spicy", "guid": "g2"}]),
     "tags", ("Vegan", "Spicy")),
    ("tags null", item("X", itemTags=None), "tags", ()),
    ("description null", item("X", description=None), "description", ""),
    ("name null", {**item("X"), "name": None}, "name", ""),
]


@pytest.mark.parametrize(("label", "it", "field", "value"), FIELDS, ids=[f[0] for f in FIELDS])
def test_row_fields(label: str, it: Json, field: str, value: object) -> None:
    """Each row field reads Toast's item the documented way, tolerating nulls."""
    row = flat_of(one_item_doc(it)).rows[0]
    assert getattr(row, field) == value


def test_groups_tree_mirrors_rows() -> None:
    """The nested structure holds row indexes under their groups, items before child groups."""
    flat = example(MONDAY_HAPPY)
    (node,) = flat.tree
    (top,) = node.groups
    assert (node.name, top.name, top.items, [g.name for g in top.groups],
            top.groups[0].items) == ("All Day", "Burgers & Wings", (0, 1, 2), ["Sides"], (3,))


def test_row_groups_are_case_folded_paths() -> None:
    """Each row keeps its case-folded group path for the group= filter."""
    assert example(MONDAY_HAPPY).row_groups[3] == ("burgers & wings", "sides")


def test_option_names_cover_visible_options() -> None:
    """Modifier option names are kept by guid so stock answers can name them."""
    flat = example(MONDAY_HAPPY)
    assert flat.option_names["517125e3-3c0e-5923-a43e-1f4d6f93ec9b"] == "Cheddar"
    assert len(flat.option_names) == 6


def test_empty_document() -> None:
    """A document with no menus flattens to no rows rather than failing."""
    flat = flat_of({"menus": None})
    assert (flat.rows, flat.menus, flat.tree, flat.valid_until) == ((), (), (), None)


def test_no_time_prices_means_no_expiry() -> None:
    """Without time-specific prices the rows stay valid until the menu changes."""
    assert flat_of(one_item_doc(item("A"))).valid_until is None


def test_items_with_the_same_modifier_groups_share_one_text() -> None:
    """Rows whose items use the same modifier groups hold one text object (kept per view)."""
    doc = document([menu("M", [group("G", [item("A", mods=[1, 2]), item("B", mods=[1, 2]),
                                            item("C", mods=[2])])])],
                   groups=[mod_group(1, "Sauce", [10]), mod_group(2, "Side", [11])],
                   options=[option(10, "Aioli", 0.5), option(11, "Fries", 1.0)])
    a, b, c = flat_of(doc).rows
    assert a.modifiers == "Sauce: Aioli +$0.50; Side: Fries +$1.00" and a.modifiers is b.modifiers
    assert c.modifiers == "Side: Fries +$1.00"
