"""Display prices per Toast pricing strategy, sizes, and modifier texts.

Toast's strategies: docs/toast-api.md, pricing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.menu.flatten import flatten
from app.menu.money import format_addon, format_price, locale_for
from app.menu.rows import Row, Size
from tests.support.menu_docs import (
    WEEKDAYS,
    Json,
    decode,
    item,
    mod_group,
    one_item_doc,
    option,
    rules,
    schedule,
    seq_rule,
    time_rule,
)

# Monday 2025-02-17, 15:30 in New York (EST, UTC-5).
HAPPY = datetime(2025, 2, 17, 20, 30, tzinfo=UTC)
# Same Monday, 19:00 in New York.
EVENING = datetime(2025, 2, 18, 0, 0, tzinfo=UTC)

SIZE_GUID = "11111111-1111-4111-8111-111111111111"
SMALL_GUID = "22222222-2222-4222-8222-222222222222"
LARGE_GUID = "33333333-3333-4333-8333-333333333333"


def only_row(it: Json, *, groups: list[Json] | None = None, options: list[Json] | None = None,
             now: datetime = HAPPY, currency: str = "USD", tz: str = "America/New_York") -> Row:
    flat = flatten(decode(one_item_doc(it, groups=groups, options=options, tz=tz)),
                   now=now, currency=currency)
    assert len(flat.rows) == 1
    return flat.rows[0]


def happy_rule(price: float | None = 8.0, base: float | None = 12.0) -> Json:
    return time_rule(price, base, schedule(WEEKDAYS, ("15:00", "18:00")))


def size_group(*opts: Json, visibility: list[str] | None = None) -> Json:
    return mod_group(1, "Size", [o["referenceId"] for o in opts], group_guid=SIZE_GUID,
                     visibility=visibility)


SMALL = option(4, "Small", 3.5, option_guid=SMALL_GUID)
LARGE = option(5, "Large", 5.0, option_guid=LARGE_GUID)
SIZED: dict[str, Any] = {"strategy": "SIZE_PRICE", "pricing_rules": rules(size_guid=SIZE_GUID),
                         "mods": [1]}

ITEM_PRICES: list[tuple[str, Json, dict[str, Any], datetime, float | None, str, list[Size]]] = [
    ("base", item("A", 4.25), {}, HAPPY, 4.25, "$4.25", []),
    ("base integer", item("A", 4), {}, HAPPY, 4.0, "$4.00", []),
    ("base null", item("A", None), {}, HAPPY, None, "", []),
    ("base negative", item("A", -2), {}, HAPPY, -2.0, "-$2.00", []),
    ("base thousands", item("A", 1234.5), {}, HAPPY, 1234.5, "$1,234.50", []),
    ("menu specific", item("A", 6.5, strategy="MENU_SPECIFIC_PRICE"), {}, HAPPY, 6.5, "$6.50", []),
    ("open price ignores price", item("A", 9, strategy="OPEN_PRICE"), {}, HAPPY, None, "", []),
    ("unknown strategy uses price", item("A", 3, strategy="WEIRD"), {}, HAPPY, 3.0, "$3.00", []),
    ("strategy null uses price", item("A", 3, strategy=None), {}, HAPPY, 3.0, "$3.00", []),
    ("time inside window", item("W", 12, strategy="TIME_SPECIFIC_PRICE",
                                pricing_rules=rules(time=[happy_rule()])),
     {}, HAPPY, 8.0, "$8.00", []),
    ("time outside window", item("W", 12, strategy="TIME_SPECIFIC_PRICE",
                                 pricing_rules=rules(time=[happy_rule()])),
     {}, EVENING, 12.0, "$12.00", []),
    ("time price null falls back to basePrice", item(
        "W", None, strategy="TIME_SPECIFIC_PRICE", pricing_rules=rules(time=[happy_rule(8, 11)])),
     {}, EVENING, 11.0, "$11.00", []),
    ("time no rules no price", item("W", None, strategy="TIME_SPECIFIC_PRICE",
                                    pricing_rules=rules()), {}, HAPPY, None, "", []),
    ("time rules null", item("W", 7, strategy="TIME_SPECIFIC_PRICE", pricing_rules=None),
     {}, HAPPY, 7.0, "$7.00", []),
    ("time second rule matches", item("W", 12, strategy="TIME_SPECIFIC_PRICE", pricing_rules=rules(
        time=[time_rule(6, 12, schedule(["SUNDAY"], ("00:00", "00:00"))), happy_rule(9)])),
     {}, HAPPY, 9.0, "$9.00", []),
    ("time overlapping rules first wins", item("W", 12, strategy="TIME_SPECIFIC_PRICE",
                                               pricing_rules=rules(time=[happy_rule(7),
                                                                         happy_rule(9)])),
     {}, HAPPY, 7.0, "$7.00", []),
    ("time rule price null inside window", item("W", 12, strategy="TIME_SPECIFIC_PRICE",
                                                pricing_rules=rules(time=[happy_rule(None)])),
     {}, HAPPY, 12.0, "$12.00", []),
    ("size lowest, Toast order", item("F", None, **SIZED),
     {"groups": [size_group(LARGE, SMALL)], "options": [SMALL, LARGE]}, HAPPY, 3.5, "$3.50",
     [Size(name="Large", price=5.0), Size(name="Small", price=3.5)]),
    ("size hidden option dropped", item("F", None, **SIZED),
     {"groups": [size_group(SMALL, LARGE)],
      "options": [option(4, "Small", 3.5, visibility=[]), LARGE]},
     HAPPY, 5.0, "$5.00", [Size(name="Large", price=5.0)]),
    ("size open-priced size", item("F", None, **SIZED),
     {"groups": [size_group(SMALL, LARGE)],
      "options": [option(4, "Small", None, strategy="OPEN_PRICE"), LARGE]},
     HAPPY, 5.0, "$5.00", [Size(name="Small", price=None), Size(name="Large", price=5.0)]),
    ("size group missing", item("F", None, **SIZED), {}, HAPPY, None, "", []),
    ("size group missing keeps item price", item("F", 4.0, **SIZED), {}, HAPPY, 4.0, "$4.00", []),
    ("size group hidden", item("F", None, **SIZED),
     {"groups": [size_group(SMALL, LARGE, visibility=[])], "options": [SMALL, LARGE]},
     HAPPY, None, "", []),
    ("size option reference missing", item("F", None, **SIZED),
     {"groups": [size_group(SMALL, option(99, "Ghost", 1.0))], "options": [SMALL]},
     HAPPY, 3.5, "$3.50", [Size(name="Small", price=3.5)]),
]


@pytest.mark.parametrize(("label", "it", "refs", "now", "price", "text", "sizes"), ITEM_PRICES,
                         ids=[c[0] for c in ITEM_PRICES])
def test_item_display_price(label: str, it: Json, refs: dict[str, Any], now: datetime,
                            price: float | None, text: str, sizes: list[Size]) -> None:
    """Each strategy yields the price the board must show now, its text, and its sizes."""
    row = only_row(it, now=now, **refs)
    assert (row.price, row.priceText, row.sizes) == (price, text, tuple(sizes))


WINGS = item("W", 12, strategy="TIME_SPECIFIC_PRICE", pricing_rules=rules(time=[happy_rule()]))


@pytest.mark.parametrize(("now", "tz", "price"), [
    (datetime(2025, 2, 17, 19, 59, 59, tzinfo=UTC), "America/New_York", 12.0),  # 14:59:59 EST
    (datetime(2025, 2, 17, 20, 0, tzinfo=UTC), "America/New_York", 8.0),  # 15:00 EST
    (datetime(2025, 2, 17, 22, 59, 59, tzinfo=UTC), "America/New_York", 8.0),  # 17:59:59
    (datetime(2025, 2, 17, 23, 0, tzinfo=UTC), "America/New_York", 12.0),  # 18:00 EST
    (datetime(2025, 7, 14, 19, 0, tzinfo=UTC), "America/New_York", 8.0),  # 15:00 EDT
    (datetime(2025, 7, 14, 18, 59, tzinfo=UTC), "America/New_York", 12.0),  # 14:59 EDT
    (datetime(2025, 3, 10, 19, 30, tzinfo=UTC), "America/New_York", 8.0),  # day after DST
    (datetime(2025, 2, 22, 20, 30, tzinfo=UTC), "America/New_York", 12.0),  # Saturday
    (datetime(2025, 2, 17, 6, 30, tzinfo=UTC), "Asia/Tokyo", 8.0),  # Mon 15:30 JST
    (datetime(2025, 2, 17, 20, 30, tzinfo=UTC), "Asia/Tokyo", 12.0),  # Tue 05:30 JST
    (datetime(2025, 2, 17, 15, 30, tzinfo=UTC), "", 8.0),  # no zone: read as UTC
    (datetime(2025, 2, 17, 15, 30, 0), "America/New_York", 12.0),  # naive = UTC = 10:30 EST
])
def test_time_specific_price_in_restaurant_zone(now: datetime, tz: str, price: float) -> None:
    """A UTC ``now`` is converted to the restaurant's zone before windows are checked."""
    assert only_row(WINGS, now=now, tz=tz).price == price


def test_menu_specific_price_differs_between_menus() -> None:
    """The same item in two menus keeps each menu's resolved price."""
    from tests.support.menu_docs import document, group, menu

    lunch = item("Soup", 5.0, strategy="MENU_SPECIFIC_PRICE", guid="soup-guid")
    dinner = item("Soup", 7.0, strategy="MENU_SPECIFIC_PRICE", guid="soup-guid")
    doc = document([menu("Lunch", [group("Mains", [lunch])]),
                    menu("Dinner", [group("Mains", [dinner])])])
    rows = flatten(decode(doc), now=HAPPY).rows
    assert [(r.menu, r.guid, r.price, r.priceText) for r in rows] == [
        ("Lunch", "soup-guid", 5.0, "$5.00"), ("Dinner", "soup-guid", 7.0, "$7.00")]


def opts(*specs: tuple[int, str, float | None] | Json) -> list[Json]:
    return [s if isinstance(s, dict) else option(*s) for s in specs]


SAUCE_SIZES = rules(size_guid=SIZE_GUID, size_seq=[
    seq_rule("Small", 0.5, size_guid=SMALL_GUID), seq_rule("Large", 0.75, size_guid=LARGE_GUID)])
GP = "GROUP_PRICE"

MODIFIERS: list[tuple[str, list[int], list[Json], list[Json], str]] = [
    ("priced options", [2], [mod_group(2, "Add-ons", [10, 11])],
     opts((10, "Bacon", 2.0), (11, "Cheese", 1.0)), "Add-ons: Bacon +$2.00, Cheese +$1.00"),
    ("free options carry no price", [2], [mod_group(2, "Sauce", [10, 11, 12])],
     opts((10, "Ketchup", 0.0), (11, "Mustard", None), (12, "Mayo", 0.5)),
     "Sauce: Ketchup, Mustard, Mayo +$0.50"),
    ("hidden option left out", [2], [mod_group(2, "Add-ons", [10, 11])],
     opts(option(10, "Bacon", 2.0, visibility=[]), (11, "Cheese", 1.0)), "Add-ons: Cheese +$1.00"),
    ("hidden group left out", [2, 3],
     [mod_group(2, "Secret", [10], visibility=[]), mod_group(3, "Add-ons", [11])],
     opts((10, "Bacon", 2.0), (11, "Cheese", 1.0)), "Add-ons: Cheese +$1.00"),
    ("group with only hidden options left out", [2],
     [mod_group(2, "Add-ons", [10])], opts(option(10, "Bacon", 2.0, visibility=[])), ""),
    ("groups joined in Toast order", [3, 2],
     [mod_group(2, "Add-ons", [10]), mod_group(3, "Bread", [11])],
     opts((10, "Bacon", 2.0), (11, "Rye", 0.0)), "Bread: Rye; Add-ons: Bacon +$2.00"),
    ("fixed group price copied into options", [2], [mod_group(2, "Toppings", [10, 11])],
     opts(option(10, "Olives", 1.5, strategy=GP), option(11, "Onion", 1.5, strategy=GP)),
     "Toppings: Olives +$1.50, Onion +$1.50"),
    ("size-priced group shows every size", [2],
     [mod_group(2, "Dip", [10], strategy="SIZE_PRICE", pricing_rules=SAUCE_SIZES)],
     opts(option(10, "Aioli", None, strategy=GP)), "Dip: Aioli +$0.50/$0.75"),
    ("sequence-priced group shows the first choice", [2],
     [mod_group(2, "Wings sauce", [10], strategy="SEQUENCE_PRICE",
                pricing_rules=rules(size_seq=[seq_rule(None, 1.0, 2.0, 2.5)]))],
     opts(option(10, "Buffalo", None, strategy=GP)), "Wings sauce: Buffalo +$1.00"),
    ("sequence order is by number, not array", [2],
     [mod_group(2, "S", [10], strategy="SEQUENCE_PRICE", pricing_rules=rules(size_seq=[
         {"sizeName": None, "sizeGuid": None, "sequencePrices": [
             {"sequence": 2, "price": 2.0}, {"sequence": 1, "price": 1.25}]}]))],
     opts(option(10, "Hot", None, strategy=GP)), "S: Hot +$1.25"),
    ("size and sequence", [2],
     [mod_group(2, "Extra", [10], strategy="SIZE_SEQUENCE_PRICE", pricing_rules=rules(
         size_seq=[seq_rule("Small", 1.0, 2.0), seq_rule("Large", 3.0, 4.0)]))],
     opts(option(10, "Shot", None, strategy=GP)), "Extra: Shot +$1.00/$3.00"),
    ("group price on a plain group is free", [2], [mod_group(2, "G", [10])],
     opts(option(10, "X", None, strategy=GP)), "G: X"),
    ("open-priced option shows no price", [2], [mod_group(2, "G", [10])],
     opts(option(10, "Market", 9.0, strategy="OPEN_PRICE")), "G: Market"),
    ("time-priced option follows the clock", [2], [mod_group(2, "G", [10])],
     opts(option(10, "Shot", 3.0, strategy="TIME_SPECIFIC_PRICE",
                 pricing_rules=rules(time=[happy_rule(1.0, 3.0)]))), "G: Shot +$1.00"),
    ("size-priced option shows its size range", [2, 1],
     [mod_group(2, "G", [10]), size_group(SMALL, LARGE)],
     opts(option(10, "Side", None, strategy="SIZE_PRICE", pricing_rules=rules(size_guid=SIZE_GUID)),
          SMALL, LARGE), "G: Side +$3.50/$5.00; Size: Small +$3.50, Large +$5.00"),
    ("discount option", [2], [mod_group(2, "G", [10])], opts((10, "No bun", -1.0)),
     "G: No bun -$1.00"),
    ("missing references skipped", [2, 7], [mod_group(2, "G", [10, 99])],
     opts((10, "A", 1.0)), "G: A +$1.00"),
    ("unnamed group lists options only", [2], [mod_group(2, "", [10])], opts((10, "A", 1.0)),
     "A +$1.00"),
]


@pytest.mark.parametrize(("label", "refs", "groups", "options", "text"), MODIFIERS,
                         ids=[m[0] for m in MODIFIERS])
def test_modifiers_text(label: str, refs: list[int], groups: list[Json], options: list[Json],
                        text: str) -> None:
    """The modifiers text lists visible groups and options with surcharges, in Toast order."""
    row = only_row(item("A", 5.0, mods=refs), groups=groups, options=options)
    assert row.modifiers == text


def test_size_group_left_out_of_modifiers() -> None:
    """The item's own Size group is shown as ``sizes``, not repeated in ``modifiers``."""
    row = only_row(item("F", None, **{**SIZED, "mods": [1, 2]}),
                   groups=[size_group(SMALL, LARGE), mod_group(2, "Dip", [10])],
                   options=[SMALL, LARGE, option(10, "Aioli", 0.5)])
    assert row.modifiers == "Dip: Aioli +$0.50"
    assert [s.name for s in row.sizes] == ["Small", "Large"]


def test_null_reference_in_list_is_skipped() -> None:
    """A null in ``modifierGroupReferences`` is tolerated."""
    it = item("A", 1.0)
    it["modifierGroupReferences"] = [None, 2]
    row = only_row(it, groups=[mod_group(2, "G", [10])], options=[option(10, "X", 1.0)])
    assert row.modifiers == "G: X +$1.00"


@pytest.mark.parametrize(("currency", "text", "addon"), [
    ("USD", "$4.25", "+$2.00"), ("CAD", "$4.25", "+$2.00"), ("cad", "$4.25", "+$2.00"),
    ("EUR", "€4.25", "+€2.00"), ("GBP", "£4.25", "+£2.00"), ("AUD", "$4.25", "+$2.00"),
])
def test_currency_in_rows(currency: str, text: str, addon: str) -> None:
    """The restaurant's currency formats both the price and modifier surcharges."""
    row = only_row(item("A", 4.25, mods=[2]), groups=[mod_group(2, "G", [10])],
                   options=[option(10, "X", 2.0)], currency=currency)
    assert (row.priceText, row.modifiers) == (text, f"G: X {addon}")


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (4.25, "USD", "$4.25"), (4.0, "USD", "$4.00"), (0.0, "USD", "$0.00"),
    (1234.5, "USD", "$1,234.50"), (-1.0, "USD", "-$1.00"), (4.255, "USD", "$4.26"),
    (4.25, "CAD", "$4.25"), (4.25, "EUR", "€4.25"),
    (4.25, "JPY", "¥4"), (4.25, "MXN", "$4.25"), (4.25, "CHF", "CHF4.25"),
    (4.25, "", "$4.25"), (4.25, "NOPE", "NOPE4.25"),
])
def test_format_price(amount: float, currency: str, text: str) -> None:
    """Prices format through Babel in the currency's home locale (CAD as en_CA: "$4.25")."""
    assert format_price(amount, currency).replace("\xa0", " ") == text


@pytest.mark.parametrize(("amount", "text"), [(2.0, "+$2.00"), (0.0, ""), (-1.5, "-$1.50")])
def test_format_addon(amount: float, text: str) -> None:
    """Surcharges carry a plus sign, discounts a minus sign, and free options nothing."""
    assert format_addon(amount, "USD") == text


def test_locale_for_unknown_currency_is_en_us() -> None:
    """Currencies without a home locale in the table format with en_US."""
    assert (locale_for("CAD"), locale_for("XYZ")) == ("en_CA", "en_US")
