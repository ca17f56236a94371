"""A large, spec-shaped menus document for benchmarks (thousands of items, megabytes).

Deterministic for a given seed. Mostly BASE_PRICE items with a sprinkle of the
other strategies, nested groups and shared modifier groups, so that flattening
does real work; 3,000 items and 500 modifier groups come to well over 7 MB.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from app.sim.menu_builder import ALL_DAYS, WEEKDAYS, Json, MenuBuilder, pricing_rules, schedule

LARGE_RESTAURANT_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                       "https://github.com/toast-relay/sim/large-restaurant"))
LARGE_LAST_UPDATED = "2025-03-01T09:00:00.000+0000"

_ADJ = ["Smoked", "Grilled", "Crispy", "Roasted", "Spicy", "Braised", "Seared", "Glazed",
        "Charred", "Pickled", "Honey", "Garlic", "Lemon", "Herbed", "Toasted", "Café-style"]
_NOUN = ["Chicken", "Salmon", "Tofu", "Brisket", "Shrimp", "Cauliflower", "Pork Belly",
         "Halloumi", "Duck", "Mushroom", "Lamb", "Cod", "Eggplant", "Jalapeño", "Squash"]
_DISH = ["Bowl", "Sandwich", "Tacos", "Salad", "Plate", "Wrap", "Flatbread", "Skewers",
         "Soup", "Burger", "Noodles", "Curry"]
_WORDS = ["house-made", "seasonal", "local", "slow-cooked", "fresh", "herbs", "citrus",
          "pickled onion", "aioli", "chili crisp", "toasted seeds", "greens", "brown butter",
          "sea salt", "sourdough", "charred scallion", "crème fraîche", "miso glaze"]
_MENUS = ["Breakfast", "Brunch", "Lunch", "Dinner", "Late Night", "Bar", "Kids", "Catering"]


def _description(rng: random.Random) -> str:
    words = rng.sample(_WORDS, k=rng.randint(9, 14))
    return (", ".join(words).capitalize() + ". Served with your choice of side; ask your"
            " server about allergens and today's substitutions.")


def _modifier_pool(b: MenuBuilder, rng: random.Random, count: int) -> list[int]:
    pool = []
    for g in range(count):
        options = [b.option(f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {g}.{o}",
                            round(rng.uniform(0.25, 4.0), 2), key=f"large/{g}/{o}",
                            default=o == 0 and g % 7 == 0)
                   for o in range(rng.randint(4, 7))]
        pool.append(b.modifier_group(f"Choice {g + 1}", options, key=f"large/{g}",
                                     max_sel=rng.choice([1, 2, None])))
    return pool


def _item(b: MenuBuilder, rng: random.Random, i: int, pool: list[int]) -> Json:
    name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_DISH)} No. {i + 1}"
    mods = rng.sample(pool, k=min(len(pool), rng.randint(0, 3)))
    price = round(rng.uniform(4.0, 40.0), 2)
    common: dict[str, Any] = {"description": _description(rng), "calories": rng.randint(50, 1400),
              "key": f"large/item/{i}"}
    if i % 97 == 0:
        size = b.size_group(f"large/item/{i}", [("Small", price), ("Large", price + 3.0)])
        return b.item(name, None, strategy="SIZE_PRICE", modifiers=[size, *mods],
                      rules=pricing_rules(size_guid=b.group_guid(size)), **common)
    if i % 89 == 0:
        rule = {"timeSpecificPrice": round(price * 0.7, 2), "basePrice": price,
                "schedule": [schedule(WEEKDAYS, "15:00", "18:00")]}
        return b.item(name, price, strategy="TIME_SPECIFIC_PRICE", modifiers=mods,
                      rules=pricing_rules(time_rules=[rule]), **common)
    if i % 83 == 0:
        return b.item(name, None, strategy="OPEN_PRICE", modifiers=mods, **common)
    tags = ["Vegetarian"] if i % 5 == 0 else []
    return b.item(name, price, modifiers=mods, tags=tags, **common)


def build_large_menu(items: int, modifier_groups: int, seed: int,
                     restaurant_guid: str = LARGE_RESTAURANT_GUID) -> Json:
    """A menus V2 ``Restaurant`` with ``items`` items spread over menus and nested groups.

    ``modifier_groups`` shared groups are created, plus one Size group per
    size-priced item.
    """
    rng = random.Random(seed)
    b = MenuBuilder(uuid.uuid5(uuid.NAMESPACE_URL, f"toast-relay/sim/large/{seed}"),
                    100_000_000_500_000_000)
    pool = _modifier_pool(b, rng, max(1, modifier_groups))
    all_items = [_item(b, rng, i, pool) for i in range(items)]
    per_group, menus = 24, []
    chunks = [all_items[i:i + per_group] for i in range(0, len(all_items), per_group)]
    menu_count = min(len(_MENUS), max(1, len(chunks) // 8))
    for m in range(menu_count):
        groups = []
        mine = chunks[m::menu_count]
        for g in range(0, len(mine), 2):
            children = [b.group(f"{_MENUS[m]} Specials {g + 1}", mine[g + 1],
                                key=f"large/{m}/{g}/child")] if g + 1 < len(mine) else []
            groups.append(b.group(f"{_MENUS[m]} Section {g // 2 + 1}", mine[g],
                                  children=children, key=f"large/{m}/{g}"))
        menus.append(b.menu(_MENUS[m], groups, schedules=[schedule(ALL_DAYS, "06:00", "02:00")]
                            if m % 2 else None))
    return b.restaurant(restaurant_guid, "America/New_York", LARGE_LAST_UPDATED, menus)
