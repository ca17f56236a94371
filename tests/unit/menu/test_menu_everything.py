"""One document where every rule applies at once: decode → flatten → stock → filter → render."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import orjson

from app.menu.filters import Filters, apply_filters
from app.menu.flatten import FlatMenu, flatten
from app.menu.model import StockEntry, decode_menus
from app.menu.render import render_csv, render_menu_json
from app.menu.stock import apply_stock
from tests.support.menu_docs import (
    WEEKDAYS,
    Json,
    document,
    group,
    item,
    menu,
    mod_group,
    option,
    rules,
    schedule,
    seq_rule,
    time_rule,
)

# Friday 2025-02-21 17:30 in Chicago (CST, UTC-6).
NOW = datetime(2025, 2, 21, 23, 30, tzinfo=UTC)
SIZE = "aaaaaaaa-0000-4000-8000-000000000001"
SMALL, LARGE = "aaaaaaaa-0000-4000-8000-000000000002", "aaaaaaaa-0000-4000-8000-000000000003"


def the_document() -> Json:
    add_ons = mod_group(2, "Add-ons", [10, 11, 12])
    size = mod_group(1, "Size", [20, 21], group_guid=SIZE)
    dip = mod_group(3, "Dip", [30], strategy="SIZE_PRICE", pricing_rules=rules(
        size_guid=SIZE, size_seq=[seq_rule("Small", 0.5, size_guid=SMALL),
                                  seq_rule("Large", 0.75, size_guid=LARGE)]))
    options = [option(10, "Bacon", 2.0), option(11, "Cheese", 1.0),
               option(12, "Truffle", 5.0, visibility=[]),
               option(20, "Small", 3.0, option_guid=SMALL),
               option(21, "Large", 4.5, option_guid=LARGE),
               option(30, "Ranch", None, strategy="GROUP_PRICE")]
    burger = item("Burger", 11.0, guid="burger", mods=[2], calories=800,
                  itemTags=[{"name": "Beef", "guid": "t1"}], images=["https://img/burger.jpg"])
    lunch = menu("Lunch", [
        group("Mains", [
            burger,
            item("Soup", 5.0, guid="soup", strategy="MENU_SPECIFIC_PRICE"),
            item("Secret Special", 1.0, visibility=[]),
        ], [
            group("Sides", [item("Fries", None, guid="fries", strategy="SIZE_PRICE",
                                 pricing_rules=rules(size_guid=SIZE), mods=[1, 3])]),
            group("Hidden", [item("Ghost", 1.0)], visibility=[]),
        ]),
        group("Drinks", [
            item("Beer", 7.0, guid="beer", strategy="TIME_SPECIFIC_PRICE",
                 pricing_rules=rules(time=[time_rule(5.0, 7.0, schedule(
                     WEEKDAYS, ("16:00", "19:00")))]),
                 contentAdvisories={"alcohol": {"containsAlcohol": "YES"}}),
            item("Market Fish", None, guid="fish", strategy="OPEN_PRICE"),
        ]),
    ], availability={"alwaysAvailable": False,
                     "schedule": [schedule(WEEKDAYS, ("11:00", "15:00"))]})
    dinner = menu("Dinner", [group("Mains", [
        item("Soup", 7.0, guid="soup", strategy="MENU_SPECIFIC_PRICE"),
        burger,
    ])])
    brunch = menu("Brunch", [group("Eggs", [item("Omelette", 9.0)])], visibility=[])
    return document([brunch, lunch, dinner], groups=[add_ons, size, dip], options=options,
                    tz="America/Chicago")


def flat() -> FlatMenu:
    return flatten(decode_menus(orjson.dumps(the_document())), now=NOW)


def row(menu: str, group: str, path: str, name: str, guid: str, price: float | None,
        text: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "menu": menu, "group": group, "groupPath": path, "name": name, "guid": guid,
        "description": f"{name} desc", "image": None, "price": price, "priceText": text,
        "sizes": [], "tags": [], "calories": None, "outOfStock": False, "quantity": None,
        "alcohol": False, "modifiers": "", "imageUrl": None}
    base.update(extra)
    return base


BURGER = {"image": "https://img/burger.jpg", "tags": ["Beef"], "calories": 800,
          "modifiers": "Add-ons: Bacon +$2.00, Cheese +$1.00",
          "imageUrl": f"/image/{the_document()['restaurantGuid'].lower()}/burger"}
EXPECTED = [
    row("Lunch", "Mains", "Mains", "Burger", "burger", 11.0, "$11.00", **BURGER),
    row("Lunch", "Mains", "Mains", "Soup", "soup", 5.0, "$5.00", outOfStock=True),
    row("Lunch", "Sides", "Mains > Sides", "Fries", "fries", 3.0, "$3.00",
        sizes=[{"name": "Small", "price": 3.0}, {"name": "Large", "price": 4.5}],
        modifiers="Dip: Ranch +$0.50/$0.75", quantity=3.0),
    row("Lunch", "Drinks", "Drinks", "Beer", "beer", 5.0, "$5.00", alcohol=True),
    row("Lunch", "Drinks", "Drinks", "Market Fish", "fish", None, ""),
    row("Dinner", "Mains", "Mains", "Soup", "soup", 7.0, "$7.00", outOfStock=True),
    row("Dinner", "Mains", "Mains", "Burger", "burger", 11.0, "$11.00", **BURGER),
]
STOCK = [StockEntry(guid="soup", status="OUT_OF_STOCK"),
         StockEntry(guid="fries", status="QUANTITY", quantity=3)]


def test_everything_flattens_to_the_expected_rows() -> None:
    """Visibility, order, paths, every pricing strategy, modifiers and stock in one menu."""
    f = flat()
    rows = apply_stock(f.rows, STOCK)
    body = orjson.loads(render_menu_json({"guid": "r"}, f.last_updated, "t", False, rows))
    assert body["items"] == EXPECTED


def test_everything_valid_until_is_happy_hour_end() -> None:
    """The beer price flips back at 19:00 Chicago time, so rows expire then."""
    assert flat().valid_until == datetime(2025, 2, 22, 1, 0, tzinfo=UTC)


def test_everything_after_happy_hour() -> None:
    """Re-flattened after the flip, the beer is back at its base price."""
    later = flatten(decode_menus(orjson.dumps(the_document())),
                    now=datetime(2025, 2, 22, 1, 0, tzinfo=UTC))
    beer = next(r for r in later.rows if r.name == "Beer")
    assert (beer.price, beer.priceText) == (7.0, "$7.00")


def test_everything_filters() -> None:
    """available=now at 17:30 leaves only Dinner; hide_out_of_stock then drops the soup."""
    f = flat()
    rows = apply_stock(f.rows, STOCK)
    query = [("available", "now"), ("hide_out_of_stock", "true")]
    assert [r.name for r in apply_filters(f, rows, Filters.from_query(query), NOW)] == ["Burger"]
    by_group = apply_filters(f, rows, Filters.from_query([("group", "SIDES")]), NOW)
    assert [r.name for r in by_group] == ["Fries"]
    by_tag = apply_filters(f, rows, Filters.from_query([("tag", "beef"), ("menu", "lunch")]), NOW)
    assert [(r.menu, r.name) for r in by_tag] == [("Lunch", "Burger")]


def test_everything_csv_matches_json() -> None:
    """The CSV has one record per JSON row with the same names, prices and flags."""
    f = flat()
    rows = apply_stock(f.rows, STOCK)
    records = list(csv.DictReader(io.StringIO(render_csv(rows).decode(), newline="")))
    assert [(r["menu"], r["name"], r["price"], r["priceText"], r["outOfStock"], r["quantity"],
             r["sizes"], r["alcohol"]) for r in records] == [
        (e["menu"], e["name"], "" if e["price"] is None else str(e["price"]), e["priceText"],
         str(e["outOfStock"]).lower(), "" if e["quantity"] is None else str(e["quantity"]),
         " | ".join(f"{s['name']} ${s['price']:.2f}" for s in e["sizes"]),
         str(e["alcohol"]).lower()) for e in EXPECTED]
