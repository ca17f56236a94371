"""Builders for spec-shaped Toast menus documents, so each test states only what it varies."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from app.menu.flatten import flatten
from app.menu.model import MenusDocument, decode_menus
from app.menu.rows import Row

EXAMPLE = Path("/work/shared/toast/example-menus.json")
VISIBLE = ["POS", "KIOSK", "TOAST_ONLINE_ORDERING", "ORDERING_PARTNERS"]
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
ALL_DAYS = [*WEEKDAYS, "SATURDAY", "SUNDAY"]
NOW = datetime(2025, 2, 17, 20, 30, tzinfo=UTC)
"""When the example document is flattened (a Monday evening)."""
RESTAURANT = {"guid": "r-guid", "name": "Toast Diner", "timeZone": "America/New_York",
              "extra": "not shown"}

Json = dict[str, Any]
_counter = itertools.count(1)


def guid(label: str = "") -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"menu-test/{label or next(_counter)}"))


def schedule(days: list[str], *ranges: tuple[str, str]) -> Json:
    return {"days": days, "timeRanges": [{"start": s, "end": e} for s, e in ranges]}


def time_rule(price: float | None, base: float | None, *schedules: Json) -> Json:
    return {"timeSpecificPrice": price, "basePrice": base, "schedule": list(schedules)}


def rules(*, time: list[Json] | None = None, size_guid: str | None = None,
          size_seq: list[Json] | None = None) -> Json:
    return {"timeSpecificPricingRules": time or [], "sizeSpecificPricingGuid": size_guid,
            "sizeSequencePricingRules": size_seq or []}


def seq_rule(size_name: str | None, *prices: float, size_guid: str | None = None) -> Json:
    return {"sizeName": size_name, "sizeGuid": size_guid,
            "sequencePrices": [{"sequence": i + 1, "price": p} for i, p in enumerate(prices)]}


def item(name: str, price: float | None = 5.0, *, strategy: str | None = "BASE_PRICE",
         pricing_rules: Json | None = None, visibility: list[str] | None = None,
         mods: list[int] | None = None, **extra: Any) -> Json:
    out: Json = {
        "name": name, "guid": extra.pop("guid", guid(name)), "description": f"{name} desc",
        "image": None, "images": [], "visibility": VISIBLE if visibility is None else visibility,
        "price": price, "pricingStrategy": strategy, "pricingRules": pricing_rules,
        "salesCategory": None, "itemTags": [], "calories": None,
        "contentAdvisories": {"alcohol": {"containsAlcohol": None}},
        "modifierGroupReferences": mods or [], "sortOrder": 99,
    }
    out.update(extra)
    return out


def group(name: str, items: list[Json] | None = None, groups: list[Json] | None = None,
          *, visibility: list[str] | None = None) -> Json:
    return {"name": name, "guid": guid(name), "description": "", "image": None,
            "visibility": VISIBLE if visibility is None else visibility, "itemTags": [],
            "menuGroups": groups or [], "menuItems": items or []}


def menu(name: str, groups: list[Json], *, visibility: list[str] | None = None,
         availability: Json | None = None) -> Json:
    return {"name": name, "guid": guid(name), "description": "", "image": None,
            "visibility": VISIBLE if visibility is None else visibility,
            "availability": availability or {"alwaysAvailable": True},
            "menuGroups": groups}


def mod_group(ref: int, name: str, options: list[int], *, strategy: str = "NONE",
              pricing_rules: Json | None = None, visibility: list[str] | None = None,
              group_guid: str | None = None) -> Json:
    return {"name": name, "guid": group_guid or guid(f"group-{name}-{ref}"), "referenceId": ref,
            "visibility": VISIBLE if visibility is None else visibility,
            "pricingStrategy": strategy, "pricingRules": pricing_rules,
            "defaultOptionsChargePrice": "YES", "modifierOptionReferences": options,
            "preModifierGroupReference": None}


def option(ref: int, name: str, price: float | None, *, strategy: str = "BASE_PRICE",
           pricing_rules: Json | None = None, visibility: list[str] | None = None,
           option_guid: str | None = None) -> Json:
    return {"referenceId": ref, "name": name, "guid": option_guid or guid(f"opt-{name}-{ref}"),
            "visibility": VISIBLE if visibility is None else visibility, "price": price,
            "pricingStrategy": strategy, "pricingRules": pricing_rules, "salesCategory": None,
            "modifierGroupReferences": []}


def document(menus: list[Json], *, groups: list[Json] | None = None,
             options: list[Json] | None = None, tz: str = "America/New_York") -> Json:
    return {"restaurantGuid": guid("restaurant"), "lastUpdated": "2025-02-15T12:30:00.000+0000",
            "restaurantTimeZone": tz, "menus": menus,
            "modifierGroupReferences": {str(g["referenceId"]): g for g in groups or []},
            "modifierOptionReferences": {str(o["referenceId"]): o for o in options or []},
            "preModifierGroupReferences": {}}


def decode(doc: Json) -> MenusDocument:
    return decode_menus(orjson.dumps(doc))


def one_item_doc(it: Json, *, groups: list[Json] | None = None,
                 options: list[Json] | None = None, tz: str = "America/New_York") -> Json:
    return document([menu("M", [group("G", [it])])], groups=groups, options=options, tz=tz)


def example_rows() -> list[Row]:
    """The example document's rows, flattened at ``NOW``."""
    return list(flatten(decode_menus(EXAMPLE.read_bytes()), now=NOW).rows)
