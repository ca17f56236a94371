"""Test tooling: consistency rules of a menus V2 document that a schema cannot express.

From docs/toast-api.md (the document): map keys equal ``referenceId``; every
referenced group, option and premodifier group exists; ``sizeSpecificPricingGuid``
and ``sizeGuid`` resolve; strategy, ``price`` and ``pricingRules`` agree (pricing);
times are ``HH:MM``; ``masterId == multiLocationId``; ``lastUpdated`` has Toast's
absolute format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
TOAST_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?[+-]\d{4}$")


def _walk(doc: Json) -> Iterator[tuple[str, Json]]:
    """(kind, entity) for menus, groups, items, modifier groups and options."""
    for menu in doc["menus"]:
        yield "menu", menu
        stack = list(menu["menuGroups"])
        while stack:
            group = stack.pop()
            yield "group", group
            stack.extend(group["menuGroups"])
            for item in group["menuItems"]:
                yield "item", item
    for group in doc["modifierGroupReferences"].values():
        yield "modgroup", group
    for option in doc["modifierOptionReferences"].values():
        yield "option", option


def _schedules(doc: Json) -> Iterator[Json]:
    for kind, entity in _walk(doc):
        if kind == "menu":
            yield from entity["availability"].get("schedule") or []
        rules = entity.get("pricingRules") or {}
        for rule in rules.get("timeSpecificPricingRules") or []:
            yield from rule["schedule"]


def _item_pricing(name: str, item: Json, group_guids: set[str]) -> list[str]:
    strategy, price, rules = item["pricingStrategy"], item["price"], item["pricingRules"]
    errs = []
    if strategy in ("BASE_PRICE", "MENU_SPECIFIC_PRICE") and (
            not isinstance(price, int | float) or rules is not None):
        errs.append(f"{name}: {strategy} needs a price and null pricingRules")
    if strategy == "TIME_SPECIFIC_PRICE" and (
            price is None or not rules or not rules["timeSpecificPricingRules"]):
        errs.append(f"{name}: TIME_SPECIFIC_PRICE needs the base price and time rules")
    if strategy == "SIZE_PRICE":
        size = (rules or {}).get("sizeSpecificPricingGuid")
        if price is not None or size not in group_guids:
            errs.append(f"{name}: SIZE_PRICE needs price null and a resolvable size group")
    if strategy == "OPEN_PRICE" and (price is not None or rules is not None):
        errs.append(f"{name}: OPEN_PRICE needs price null and no pricingRules")
    return errs


def _group_pricing(group: Json, option_guids: set[str], group_guids: set[str]) -> list[str]:
    strategy, rules = group["pricingStrategy"], group["pricingRules"]
    name = f"modifier group {group['name']!r}"
    if strategy == "NONE":
        return [] if rules is None else [f"{name}: NONE groups carry no pricingRules"]
    if not rules or not rules["sizeSequencePricingRules"]:
        return [f"{name}: {strategy} needs sizeSequencePricingRules"]
    errs = []
    if "SIZE" in strategy and rules["sizeSpecificPricingGuid"] not in group_guids:
        errs.append(f"{name}: sizeSpecificPricingGuid does not resolve")
    for rule in rules["sizeSequencePricingRules"]:
        if rule["sizeGuid"] is not None and rule["sizeGuid"] not in option_guids:
            errs.append(f"{name}: sizeGuid {rule['sizeGuid']} does not resolve")
        if strategy == "SIZE_PRICE" and [p["sequence"] for p in rule["sequencePrices"]] != [1]:
            errs.append(f"{name}: SIZE_PRICE rules have exactly sequence 1")
    return errs


def semantic_errors(doc: Json) -> list[str]:
    errs: list[str] = []
    maps = {k: doc[k] for k in ("modifierGroupReferences", "modifierOptionReferences",
                                "preModifierGroupReferences")}
    for map_name, entries in maps.items():
        errs += [f"{map_name}[{key}]: referenceId {v.get('referenceId')} differs"
                 for key, v in entries.items() if str(v.get("referenceId")) != key]
    groups, options = maps["modifierGroupReferences"], maps["modifierOptionReferences"]
    group_guids = {g["guid"] for g in groups.values()}
    option_guids = {o["guid"] for o in options.values()}
    if not TOAST_TIME.match(doc["lastUpdated"]):
        errs.append(f"lastUpdated {doc['lastUpdated']!r} is not Toast's absolute format")
    for kind, entity in _walk(doc):
        name = f"{kind} {entity.get('name')!r}"
        if "masterId" in entity and str(entity["masterId"]) != entity["multiLocationId"]:
            errs.append(f"{name}: masterId differs from multiLocationId")
        refs = list(entity.get("modifierGroupReferences") or [])
        for portion in entity.get("portions") or []:
            refs += portion["modifierGroupReferences"]
        errs += [f"{name}: modifier group {r} missing" for r in refs if str(r) not in groups]
        if kind == "item":
            errs += _item_pricing(name, entity, group_guids)
            size = (entity["pricingRules"] or {}).get("sizeSpecificPricingGuid")
            own = {groups[str(r)]["guid"] for r in entity["modifierGroupReferences"]
                   if str(r) in groups}
            if size is not None and size not in own:
                errs.append(f"{name}: its Size group is not among its modifier groups")
        if kind == "modgroup":
            errs += [f"{name}: option {r} missing" for r in entity["modifierOptionReferences"]
                     if str(r) not in options]
            pre = entity.get("preModifierGroupReference")
            if pre is not None and str(pre) not in maps["preModifierGroupReferences"]:
                errs.append(f"{name}: premodifier group {pre} missing")
            errs += _group_pricing(entity, option_guids, group_guids)
        if kind == "option" and entity["pricingStrategy"] == "GROUP_PRICE" \
                and entity["price"] is not None:
            errs.append(f"{name}: GROUP_PRICE options of priced groups have price null")
    for sched in _schedules(doc):
        errs += [f"time range {r} is not HH:MM" for r in sched["timeRanges"]
                 if not (HHMM.match(r["start"]) and HHMM.match(r["end"]))]
    return errs
