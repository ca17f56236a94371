"""The sample restaurants contain everything a menu board must cope with."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pytest

from app.sim.large import build_large_menu
from app.sim.menu_walk import iter_groups, iter_items
from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
    harbor_lights,
    harbor_lights_menus,
    sample_restaurants,
)

Json = dict[str, Any]


@pytest.fixture(scope="module")
def doc() -> Json:
    return harbor_lights_menus()


def _menu(doc: Json, name: str) -> Json:
    menu: Json = next(m for m in doc["menus"] if m["name"] == name)
    return menu


def test_build_is_deterministic() -> None:
    """Two builds give byte-identical documents (uuid5 GUIDs, no randomness)."""
    assert orjson.dumps(harbor_lights_menus()) == orjson.dumps(harbor_lights_menus())
    assert orjson.dumps(build_large_menu(50, 10, 4)) == orjson.dumps(build_large_menu(50, 10, 4))


def test_restaurant_basics() -> None:
    """Three restaurants with distinct GUIDs; the second is a CAD café in Toronto."""
    seeds = {s.guid: s for s in sample_restaurants()}
    assert set(seeds) == {SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID,
                          FORBIDDEN_RESTAURANT_GUID}
    harbor = seeds[SAMPLE_RESTAURANT_GUID].info["general"]
    maple = seeds[SECOND_RESTAURANT_GUID].info["general"]
    assert (harbor["name"], harbor["timeZone"], harbor["currencyCode"]) == (
        "Harbor Lights Kitchen", "America/New_York", "USD")
    assert (maple["name"], maple["timeZone"], maple["currencyCode"]) == (
        "Maple Leaf Café", "America/Toronto", "CAD")


def test_menus_and_dayparts(doc: Json) -> None:
    """At least 3 dayparted menus, one past midnight, one always available, one 00:00-00:00."""
    names = [m["name"] for m in doc["menus"]]
    assert {"Breakfast", "Lunch", "Dinner", "Drinks"} <= set(names)
    breakfast = _menu(doc, "Breakfast")["availability"]["schedule"]
    assert any(r == {"start": "07:00", "end": "11:00"} for s in breakfast for r in s["timeRanges"])
    dinner = _menu(doc, "Dinner")["availability"]["schedule"]
    assert any(r["end"] < r["start"] for s in dinner for r in s["timeRanges"])
    assert _menu(doc, "Drinks")["availability"] == {"alwaysAvailable": True}
    ranges = [r for m in doc["menus"] for s in m["availability"].get("schedule", [])
              for r in s["timeRanges"]]
    assert {"start": "00:00", "end": "00:00"} in ranges


def test_items_groups_and_nesting(doc: Json) -> None:
    """60+ items and groups nested at least two levels deep."""
    assert sum(1 for _ in iter_items(doc)) >= 60
    assert max(len(path) for _, path, _ in iter_items(doc)) >= 2
    assert any(g["menuGroups"] for g in iter_groups(doc))


def test_every_pricing_strategy(doc: Json) -> None:
    """Every item pricing strategy (docs/toast-api.md, pricing) appears, as Toast sends it."""
    items = [item for _, _, item in iter_items(doc)]
    strategies = Counter(i["pricingStrategy"] for i in items)
    assert set(strategies) == {"BASE_PRICE", "MENU_SPECIFIC_PRICE", "TIME_SPECIFIC_PRICE",
                               "SIZE_PRICE", "OPEN_PRICE"}
    timed = next(i for i in items if i["pricingStrategy"] == "TIME_SPECIFIC_PRICE")
    assert timed["price"] == timed["pricingRules"]["timeSpecificPricingRules"][0]["basePrice"]
    assert all(i["price"] is None for i in items
               if i["pricingStrategy"] in ("SIZE_PRICE", "OPEN_PRICE"))


def test_menu_specific_price_differs_between_menus(doc: Json) -> None:
    """One item GUID appears in two menus with different prices."""
    prices: dict[str, set[tuple[str, float]]] = {}
    for menu, _, item in iter_items(doc):
        if item["pricingStrategy"] == "MENU_SPECIFIC_PRICE":
            prices.setdefault(item["guid"], set()).add((menu["name"], item["price"]))
    assert any(len({menu for menu, _ in v}) == 2 and len({p for _, p in v}) == 2
               for v in prices.values())


def test_size_groups_and_group_priced_options(doc: Json) -> None:
    """SIZE_PRICE items point at a "Size" group; a SIZE_PRICE group has GROUP_PRICE options."""
    groups = {g["guid"]: g for g in doc["modifierGroupReferences"].values()}
    options = doc["modifierOptionReferences"]
    for _, _, item in iter_items(doc):
        if item["pricingStrategy"] == "SIZE_PRICE":
            size = groups[item["pricingRules"]["sizeSpecificPricingGuid"]]
            assert size["name"] == "Size" and size["pricingStrategy"] == "NONE"
    sized = [g for g in groups.values() if g["pricingStrategy"] == "SIZE_PRICE"]
    assert sized
    for group in sized:
        assert {options[str(r)]["pricingStrategy"] for r in group["modifierOptionReferences"]} \
            == {"GROUP_PRICE"}
    assert any(g["pricingStrategy"] == "SEQUENCE_PRICE" for g in groups.values())


def test_modifiers_premodifiers_and_defaults(doc: Json) -> None:
    """Priced options, default options and a premodifier group are present."""
    options = list(doc["modifierOptionReferences"].values())
    assert any(o["price"] and o["price"] > 0 for o in options)
    assert any(o["isDefault"] for o in options)
    assert doc["preModifierGroupReferences"]
    assert any("preModifierGroupReference" in g for g in doc["modifierGroupReferences"].values())


def test_tags_images_calories_alcohol_and_names(doc: Json) -> None:
    """Item tags, images, calories, alcohol and non-ASCII names all occur."""
    items = [item for _, _, item in iter_items(doc)]
    names = {i["name"] for i in items}
    assert {"Crème Brûlée", "Jalapeño Poppers"} <= names
    assert any(i["itemTags"] for i in items)
    assert any(i["image"] and i["images"] for i in items)
    assert any(isinstance(i["calories"], int) for i in items)
    assert any(i["contentAdvisories"]["alcohol"]["containsAlcohol"] == "YES" for i in items)
    assert any(i["unitOfMeasure"] != "NONE" for i in items)


def test_hidden_entities(doc: Json) -> None:
    """A menu, a group and an item are hidden by an empty visibility array."""
    assert any(m["visibility"] == [] for m in doc["menus"])
    assert any(g["visibility"] == [] for g in iter_groups(doc))
    assert any(i["visibility"] == [] for _, _, i in iter_items(doc))


def test_initial_stock_has_out_of_stock_and_quantity() -> None:
    """The sample starts with sold-out and limited-quantity items that exist in the menu."""
    seed = harbor_lights()
    assert seed.menus is not None
    guids = {i["guid"] for _, _, i in iter_items(seed.menus)}
    assert {row["status"] for row in seed.stock} == {"OUT_OF_STOCK", "QUANTITY"}
    assert all(row["guid"] in guids for row in seed.stock)


def test_large_menu_meets_benchmark_size() -> None:
    """3,000 items and 500 modifier groups make a document of at least 7 MB."""
    large = build_large_menu(3000, 500, seed=1)
    assert sum(1 for _ in iter_items(large)) == 3000
    assert len(large["modifierGroupReferences"]) >= 500
    assert len(orjson.dumps(large)) >= 7_000_000
