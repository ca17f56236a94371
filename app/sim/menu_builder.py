"""Build spec-shaped Toast menus V2 documents (``Restaurant``) in code.

Toast's menus API returns every property of every object, even when empty or
null, so each builder here fills the full property list of its definition in
``toast-menus-openapi.yaml``. GUIDs are uuid5 of a namespace and a key, so the
same key always yields the same GUID (the same item in two menus shares one).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

Json = dict[str, Any]

ALL_CHANNELS = ["POS", "KIOSK", "TOAST_ONLINE_ORDERING", "ORDERING_PARTNERS"]
LIGHT = "#f7f7f7"  # Toast's default POS button colours
DARK = "#1a1c23"
ALL_DAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]


def schedule(days: Sequence[str], start: str, end: str) -> Json:
    """One ``Schedule``: days sharing one ``HH:MM`` range (``00:00``-``00:00`` = all day)."""
    return {"days": list(days), "timeRanges": [{"start": start, "end": end}]}


def pricing_rules(
    *, time_rules: Sequence[Json] = (), size_guid: str | None = None,
    size_sequence: Sequence[Json] = (),
) -> Json:
    return {
        "timeSpecificPricingRules": list(time_rules),
        "sizeSpecificPricingGuid": size_guid,
        "sizeSequencePricingRules": list(size_sequence),
    }


class MenuBuilder:
    """Accumulates reference maps while menus, groups and items are built."""

    def __init__(self, namespace: uuid.UUID, ml_base: int) -> None:
        self._ns = namespace
        self._next_ml = ml_base
        self._ml_by_key: dict[str, int] = {}
        self._next_ref = 1
        self.modifier_groups: dict[str, Json] = {}
        self.modifier_options: dict[str, Json] = {}
        self.premodifier_groups: dict[str, Json] = {}
        self.sales_category = {"name": "Food", "guid": self.guid("sales", "Food")}
        self.drink_category = {"name": "Beverage", "guid": self.guid("sales", "Beverage")}
        self.tax_rate = self.guid("tax", "State sales tax")

    # --- identifiers ------------------------------------------------------

    def guid(self, kind: str, key: str) -> str:
        return str(uuid.uuid5(self._ns, f"{kind}:{key}"))

    def _ids(self, kind: str, key: str) -> Json:
        """guid, multiLocationId and its deprecated int64 twin masterId (always equal)."""
        full = f"{kind}:{key}"
        if full not in self._ml_by_key:
            self._ml_by_key[full] = self._next_ml
            self._next_ml += 1
        ml = self._ml_by_key[full]
        return {"guid": self.guid(kind, key), "multiLocationId": str(ml), "masterId": ml}

    def _ref(self) -> int:
        ref = self._next_ref
        self._next_ref += 1
        return ref

    def tag(self, name: str) -> Json:
        return {"name": name, "guid": self.guid("tag", name)}

    # --- modifiers --------------------------------------------------------

    def option(
        self, name: str, price: float | None, *, key: str | None = None,
        strategy: str = "BASE_PRICE", default: bool = False, calories: int | None = None,
        alcohol: str | None = "NO", visibility: Sequence[str] = ALL_CHANNELS,
    ) -> int:
        """Add a ``ModifierOption``; its guid is that of its item reference."""
        ref = self._ref()
        ids = self._ids("option", key or name)
        self.modifier_options[str(ref)] = {
            "referenceId": ref, "name": name, "kitchenName": "", **ids, "description": "",
            "posName": "", "posButtonColorLight": LIGHT, "posButtonColorDark": DARK,
            "prepStations": [], "image": None, "visibility": list(visibility),
            "price": price, "pricingStrategy": strategy, "pricingRules": None,
            "salesCategory": self.sales_category, "taxInfo": [self.tax_rate],
            "modifierOptionTaxInfo": {"taxRateGuids": [self.tax_rate],
                                      "overrideItemTaxRates": False},
            "itemTags": [], "plu": "", "sku": "", "calories": calories,
            "contentAdvisories": {"alcohol": {"containsAlcohol": alcohol}},
            "unitOfMeasure": "NONE", "isDefault": default, "allowsDuplicates": False,
            "portions": [], "prepTime": None, "modifierGroupReferences": [],
            "length": None, "height": None, "width": None, "dimensionUnitOfMeasure": None,
            "weight": None, "weightUnitOfMeasure": "NONE", "images": [], "guestCount": None,
            "sortOrder": None, "allergens": [],
        }
        return ref

    def premodifier_group(self, name: str, premods: Sequence[tuple[str, float | None,
                                                                    float | None]]) -> int:
        """premods: (name, fixedPrice, multiplicationFactor); Toast never sets both."""
        ref = self._ref()
        ids = self._ids("premodgroup", name)
        self.premodifier_groups[str(ref)] = {
            # Toast's example carries referenceId although PreModifierGroup omits it.
            "referenceId": ref, "name": name, "guid": ids["guid"],
            "multiLocationId": ids["multiLocationId"],
            "preModifiers": [self._premodifier(name, *p) for p in premods],
        }
        return ref

    def _premodifier(self, group: str, name: str, fixed: float | None,
                     factor: float | None) -> Json:
        ids = self._ids("premod", f"{group}/{name}")
        return {
            "name": name, "guid": ids["guid"], "multiLocationId": ids["multiLocationId"],
            "fixedPrice": fixed, "multiplicationFactor": factor, "displayMode": "PREFIX",
            "posName": "", "posButtonColorLight": LIGHT, "posButtonColorDark": DARK,
            "chargeAsExtra": True if factor is not None else None, "plu": "",
        }

    def modifier_group(
        self, name: str, options: Sequence[int], *, key: str | None = None,
        strategy: str = "NONE", rules: Json | None = None, min_sel: int = 0,
        max_sel: int | None = 1, required: str = "OPTIONAL", premodifiers: int | None = None,
        charge_defaults: str = "YES", visibility: Sequence[str] = ALL_CHANNELS,
    ) -> int:
        ref = self._ref()
        group: Json = {
            "name": name, **self._ids("modgroup", key or name), "referenceId": ref,
            "posName": "", "posButtonColorLight": LIGHT, "posButtonColorDark": DARK,
            "visibility": list(visibility), "pricingStrategy": strategy, "pricingRules": rules,
            "defaultOptionsChargePrice": charge_defaults,
            "defaultOptionsSubstitutionPricing": "NO",
            "minSelections": min_sel, "maxSelections": max_sel, "requiredMode": required,
            "isMultiSelect": max_sel is None or max_sel > 1,
            "modifierOptionReferences": list(options),
        }
        # The spec does not mark preModifierGroupReference nullable, so like Toast's
        # example we leave it out when the group has no premodifiers.
        if premodifiers is not None:
            group["preModifierGroupReference"] = premodifiers
        self.modifier_groups[str(ref)] = group
        return ref

    def group_guid(self, ref: int) -> str:
        return str(self.modifier_groups[str(ref)]["guid"])

    def option_guid(self, ref: int) -> str:
        return str(self.modifier_options[str(ref)]["guid"])

    def size_group(self, item_key: str, sizes: Sequence[tuple[str, float]],
                   default: int = 0) -> int:
        """The "Size" group Toast creates for a SIZE_PRICE item (strategy NONE, no rules)."""
        opts = [self.option(n, p, key=f"{item_key}/size/{n}", default=i == default)
                for i, (n, p) in enumerate(sizes)]
        return self.modifier_group("Size", opts, key=f"{item_key}/Size", min_sel=1,
                                   max_sel=1, required="REQUIRED")

    # --- menu tree ----------------------------------------------------------

    def item(
        self, name: str, price: float | None, *, key: str | None = None,
        strategy: str = "BASE_PRICE", rules: Json | None = None, description: str = "",
        modifiers: Sequence[int] = (), tags: Sequence[str] = (), calories: int | None = None,
        alcohol: str | None = "NO", images: Sequence[str] = (), unit: str = "NONE",
        visibility: Sequence[str] = ALL_CHANNELS, sort_order: int | None = None,
    ) -> Json:
        drink = alcohol == "YES"
        return {
            "name": name, "kitchenName": "", **self._ids("item", key or name),
            "description": description, "posName": "", "posButtonColorLight": LIGHT,
            "posButtonColorDark": DARK, "image": images[0] if images else None,
            "visibility": list(visibility), "price": price, "pricingStrategy": strategy,
            "pricingRules": rules, "isDeferred": False, "isDiscountable": True,
            "salesCategory": self.drink_category if drink else self.sales_category,
            "taxInfo": [self.tax_rate], "taxInclusion": "TAX_NOT_INCLUDED",
            "itemTags": [self.tag(t) for t in tags], "plu": "", "sku": "",
            "calories": calories, "contentAdvisories": {"alcohol": {"containsAlcohol": alcohol}},
            "unitOfMeasure": unit, "portions": [], "prepTime": None, "prepStations": [],
            "modifierGroupReferences": list(modifiers), "eligiblePaymentAssistancePrograms": [],
            "allergens": [], "length": None, "height": None, "width": None,
            "dimensionUnitOfMeasure": None, "weight": None, "weightUnitOfMeasure": "NONE",
            "images": list(images), "guestCount": None, "sortOrder": sort_order,
            "catalogProductInfo": None, "isComboParent": False,
        }

    def group(self, name: str, items: Sequence[Json], *, children: Sequence[Json] = (),
              key: str | None = None, description: str = "",
              visibility: Sequence[str] = ALL_CHANNELS) -> Json:
        return {
            "name": name, **self._ids("group", key or name), "description": description,
            "posName": "", "posButtonColorLight": LIGHT, "posButtonColorDark": DARK,
            "image": None, "visibility": list(visibility), "itemTags": [],
            "menuGroups": list(children), "menuItems": list(items),
        }

    def menu(self, name: str, groups: Sequence[Json], *, schedules: Sequence[Json] | None,
             description: str = "", visibility: Sequence[str] = ALL_CHANNELS) -> Json:
        """schedules=None means alwaysAvailable (Toast then omits ``schedule``)."""
        availability: Json = ({"alwaysAvailable": True} if schedules is None
                              else {"alwaysAvailable": False, "schedule": list(schedules)})
        return {
            "name": name, **self._ids("menu", name), "description": description,
            "posName": "", "posButtonColorLight": LIGHT, "posButtonColorDark": DARK,
            "highResImage": None, "image": None, "visibility": list(visibility),
            "availability": availability, "menuGroups": list(groups),
        }

    def restaurant(self, guid: str, time_zone: str, last_updated: str,
                   menus: Sequence[Json]) -> Json:
        return {
            "restaurantGuid": guid, "lastUpdated": last_updated,
            "restaurantTimeZone": time_zone, "menus": list(menus),
            "modifierGroupReferences": self.modifier_groups,
            "modifierOptionReferences": self.modifier_options,
            "preModifierGroupReferences": self.premodifier_groups,
        }
