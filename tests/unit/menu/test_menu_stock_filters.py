"""Stock overlay on ready rows, and the /menu query filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.errors import BadRequest
from app.menu.filters import MAX_VALUES, Filters, apply_filters, filter_indexes
from app.menu.flatten import FlatMenu, flatten
from app.menu.model import StockEntry
from app.menu.stock import apply_stock
from tests.support.menu_docs import decode, document, group, item, menu, schedule

NOW = datetime(2025, 2, 17, 17, 0, tzinfo=UTC)  # Monday 12:00 New York


def entry(guid: str, status: str, quantity: float | None = None) -> StockEntry:
    return StockEntry(guid=guid, status=status, quantity=quantity)


def sample() -> FlatMenu:
    lunch = {"alwaysAvailable": False,
             "schedule": [schedule(["MONDAY"], ("11:00", "15:00"))]}
    dinner = {"alwaysAvailable": False,
              "schedule": [schedule(["MONDAY"], ("17:00", "22:00"))]}
    doc = document([
        menu("Lunch", [
            group("Burgers", [item("Burger", guid="burger", itemTags=[{"name": "Beef"}])],
                  [group("Sides", [item("Fries", guid="fries", itemTags=[{"name": "Vegan"}])])]),
            group("Drinks", [item("Soda", guid="soda")]),
        ], availability=lunch),
        menu("Dinner", [group("Mains", [item("Steak", guid="steak",
                                             itemTags=[{"name": "Beef"}])])],
             availability=dinner),
    ])
    return flatten(decode(doc), now=NOW)


STOCK = [
    ("absent means in stock", [], {"burger": (False, None)}),
    ("out of stock", [entry("burger", "OUT_OF_STOCK")], {"burger": (True, None)}),
    ("quantity", [entry("fries", "QUANTITY", 4)], {"fries": (False, 4.0), "burger": (False, None)}),
    ("in stock entry", [entry("soda", "IN_STOCK")], {"soda": (False, None)}),
    ("unknown status ignored", [entry("soda", "MAYBE")], {"soda": (False, None)}),
    ("guid case ignored", [entry("BURGER", "OUT_OF_STOCK")], {"burger": (True, None)}),
    ("unknown guid harmless", [entry("ghost", "OUT_OF_STOCK")], {"steak": (False, None)}),
]


@pytest.mark.parametrize(("label", "stock", "expected"), STOCK, ids=[s[0] for s in STOCK])
def test_apply_stock(label: str, stock: list[StockEntry],
                     expected: dict[str, tuple[bool, float | None]]) -> None:
    """Stock sets outOfStock and quantity by item guid; absent items are in stock."""
    rows = apply_stock(sample().rows, stock)
    by_guid = {r.guid: (r.outOfStock, r.quantity) for r in rows}
    for guid, state in expected.items():
        assert by_guid[guid] == state


def test_apply_stock_leaves_input_alone_and_reverts() -> None:
    """Overlaying returns new rows; a later overlay without the entry puts the item back."""
    flat = sample()
    sold_out = apply_stock(flat.rows, [entry("burger", "OUT_OF_STOCK")])
    assert flat.rows[0].outOfStock is False and sold_out[0].outOfStock is True
    assert apply_stock(sold_out, [])[0].outOfStock is False
    assert sold_out[1] is flat.rows[1]  # untouched rows are shared, not copied


def test_apply_stock_marks_every_occurrence() -> None:
    """An item that appears twice is sold out in both rows."""
    doc = document([menu("A", [group("G", [item("Soda", guid="soda")])]),
                    menu("B", [group("G", [item("Soda", guid="soda")])])])
    rows = apply_stock(flatten(decode(doc), now=NOW).rows, [entry("soda", "OUT_OF_STOCK")])
    assert [r.outOfStock for r in rows] == [True, True]


QUERIES = [
    ("empty", [], Filters()),
    ("ignores other params", [("key", "k"), ("format", "csv")], Filters()),
    ("menus case-folded and sorted", [("menu", "Lunch"), ("menu", "BRUNCH")],
     Filters(menus=("brunch", "lunch"))),
    ("repeats collapse", [("group", "Sides"), ("group", "sides")], Filters(groups=("sides",))),
    ("blank values ignored", [("tag", " "), ("tag", "Vegan")], Filters(tags=("vegan",))),
    ("hide true", [("hide_out_of_stock", "true")], Filters(hide_out_of_stock=True)),
    ("hide 1", [("hide_out_of_stock", "1")], Filters(hide_out_of_stock=True)),
    ("hide yes", [("hide_out_of_stock", "YES")], Filters(hide_out_of_stock=True)),
    ("hide no", [("hide_out_of_stock", "no")], Filters(hide_out_of_stock=False)),
    ("hide 0", [("hide_out_of_stock", "0")], Filters(hide_out_of_stock=False)),
    ("available now", [("available", "now")], Filters(available_now=True)),
    ("available NOW", [("available", "NOW")], Filters(available_now=True)),
    ("available all", [("available", "all")], Filters(available_all=True)),
]


@pytest.mark.parametrize(("label", "query", "expected"), QUERIES, ids=[q[0] for q in QUERIES])
def test_filters_from_query(label: str, query: list[tuple[str, str]], expected: Filters) -> None:
    """Query pairs parse into a normalised, hashable Filters value."""
    parsed = Filters.from_query(query)
    assert parsed == expected
    assert hash(parsed) == hash(expected)


@pytest.mark.parametrize(("query", "message"), [
    ([("available", "later")], "available must be 'now' or 'all'"),
    ([("available", "")], "available must be 'now' or 'all'"),
    ([("hide_out_of_stock", "maybe")], "hide_out_of_stock must be true or false"),
])
def test_filters_reject_bad_values(query: list[tuple[str, str]], message: str) -> None:
    """Bad filter values are a 400 that says what is allowed."""
    with pytest.raises(BadRequest, match=message):
        Filters.from_query(query)


def test_filter_values_are_capped() -> None:
    """5,000 group= values are one 400 naming the cap, not seconds of de-duplication."""
    with pytest.raises(BadRequest, match=f"group= may be given at most {MAX_VALUES} times"):
        Filters.from_query([("group", f"G{i}") for i in range(5000)])
    with pytest.raises(BadRequest, match="tag="):
        Filters.from_query([("tag", "same")] * (MAX_VALUES + 1))


def test_filter_values_up_to_the_cap_collapse_case_insensitively() -> None:
    """At the cap, each parameter keeps its distinct case-folded values, sorted."""
    query = [("group", f"G{i % 10}") for i in range(MAX_VALUES)]
    query += [("menu", "Lunch"), ("menu", "LUNCH"), ("tag", "b"), ("tag", "A")]
    assert Filters.from_query(query) == Filters(
        menus=("lunch",), groups=tuple(sorted(f"g{i}" for i in range(10))), tags=("a", "b"))


def test_is_empty() -> None:
    """Only a filter set with nothing chosen is empty."""
    assert Filters().is_empty and not Filters(tags=("x",)).is_empty
    assert not Filters(available_now=True).is_empty


def test_available_all_leaves_a_feed_unfiltered() -> None:
    """``available=all`` is the feeds' default: the filter set stays empty (ready bytes)."""
    assert Filters(available_all=True).is_empty


APPLY = [
    ("no filters", [], ["Burger", "Fries", "Soda", "Steak"]),
    ("menu by name", [("menu", "dinner")], ["Steak"]),
    ("menu by guid", [("menu", "GUID-OF-LUNCH")], ["Burger", "Fries", "Soda"]),
    ("two menus", [("menu", "lunch"), ("menu", "dinner")], ["Burger", "Fries", "Soda", "Steak"]),
    ("unknown menu", [("menu", "brunch")], []),
    ("group matches outer group", [("group", "burgers")], ["Burger", "Fries"]),
    ("group matches inner group", [("group", "SIDES")], ["Fries"]),
    ("group and menu", [("group", "mains"), ("menu", "lunch")], []),
    ("tag", [("tag", "beef")], ["Burger", "Steak"]),
    ("two tags", [("tag", "beef"), ("tag", "vegan")], ["Burger", "Fries", "Steak"]),
    ("hide out of stock", [("hide_out_of_stock", "true")], ["Fries", "Soda", "Steak"]),
    ("available now (lunch time)", [("available", "now")], ["Burger", "Fries", "Soda"]),
    ("available now and tag", [("available", "now"), ("tag", "beef")], ["Burger"]),
]


@pytest.mark.parametrize(("label", "query", "expected"), APPLY, ids=[a[0] for a in APPLY])
def test_apply_filters(label: str, query: list[tuple[str, str]], expected: list[str]) -> None:
    """Filters narrow rows by menu, any group on the path, tag, stock and availability."""
    flat = sample()
    lunch_guid = flat.menus[0].guid
    query = [(k, lunch_guid.upper() if v == "GUID-OF-LUNCH" else v) for k, v in query]
    rows = apply_stock(flat.rows, [entry("burger", "OUT_OF_STOCK")])
    kept = apply_filters(flat, rows, Filters.from_query(query), NOW)
    assert [r.name for r in kept] == expected


def test_available_now_follows_the_clock() -> None:
    """At 18:00 New York on Monday only the dinner menu is available."""
    flat = sample()
    evening = datetime(2025, 2, 17, 23, 0, tzinfo=UTC)
    assert filter_indexes(flat, flat.rows, Filters(available_now=True), evening) == [3]
