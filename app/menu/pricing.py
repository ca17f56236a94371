"""The price a board shows, per Toast pricing strategy (docs/toast-api.md, pricing).

One ``Pricer`` serves one document at one instant: it resolves item prices and
sizes, gives modifier options a representative surcharge, memoises the Size
groups, and records every time-specific schedule it read so the caller can
compute when a price next flips.
"""

from __future__ import annotations

import math
from datetime import datetime

from app.menu.availability import Window, compile_schedules, windows_cover
from app.menu.model import (
    MenuItem,
    MenusDocument,
    ModifierGroup,
    ModifierOption,
    PricingRules,
    is_visible,
)
from app.menu.rows import Size

PriceRange = tuple[float, float]
"""(lowest, highest) surcharge of a modifier option."""

# Group strategies whose option prices live in the group's sizeSequencePricingRules.
_RULE_PRICED_GROUPS = frozenset({"SIZE_PRICE", "SEQUENCE_PRICE", "SIZE_SEQUENCE_PRICE"})


def finite(value: float | None) -> float | None:
    """``value`` unless it is missing or not a finite number (1e999 decodes to inf)."""
    return value if value is not None and math.isfinite(value) else None


def time_specific_price(price: float | None, rules: PricingRules | None,
                        local_dt: datetime, seen: list[tuple[Window, ...]] | None = None
                        ) -> float | None:
    """The first rule whose schedule covers ``local_dt`` wins; otherwise the base price.

    The base price is ``price``; Toast's 2022 guide showed it null for this
    strategy, so fall back to ``timeSpecificPricingRules[0].basePrice``.
    """
    chosen: float | None = None
    first_base: float | None = None
    for rule in (rules.timeSpecificPricingRules or ()) if rules else ():
        if rule is None:
            continue
        if first_base is None:
            first_base = finite(rule.basePrice)
        windows = compile_schedules(rule.schedule)
        if seen is not None and windows:
            seen.append(windows)
        if chosen is None and windows_cover(windows, local_dt):
            chosen = finite(rule.timeSpecificPrice)
    if chosen is not None:
        return chosen
    base = finite(price)
    return base if base is not None else first_base


def sequence_range(rules: PricingRules | None) -> PriceRange | None:
    """The first-sequence price of each size rule, as (lowest, highest).

    A board cannot know the size or how many options a guest picks, so it shows
    what the first choice costs, over all sizes.
    """
    prices: list[float] = []
    for rule in (rules.sizeSequencePricingRules or ()) if rules else ():
        if rule is None:
            continue
        steps = [s for s in rule.sequencePrices or ()
                 if s is not None and finite(s.price) is not None]
        if steps:
            first = min(steps, key=lambda s: s.sequence if s.sequence is not None else math.inf)
            prices.append(first.price)  # type: ignore[arg-type]  # finite() checked above
    return (min(prices), max(prices)) if prices else None


class Pricer:
    """Prices of one document at one local instant."""

    def __init__(self, doc: MenusDocument, local_now: datetime) -> None:
        self.local_now = local_now
        self.groups = doc.modifierGroupReferences or {}
        self.options = doc.modifierOptionReferences or {}
        self.time_windows: list[tuple[Window, ...]] = []
        self._group_by_guid: dict[str, ModifierGroup] | None = None
        self._sizes: dict[str, tuple[Size, ...]] = {}

    def group_by_guid(self, guid: str) -> ModifierGroup | None:
        if self._group_by_guid is None:
            self._group_by_guid = {}
            for group in self.groups.values():
                if group is not None and group.guid:
                    self._group_by_guid.setdefault(group.guid, group)
        return self._group_by_guid.get(guid)

    def sizes(self, size_group_guid: str | None) -> tuple[Size, ...]:
        """Visible options of the Size group, in Toast order, with their prices."""
        if not size_group_guid:
            return ()
        cached = self._sizes.get(size_group_guid)
        if cached is not None:
            return cached
        sizes: list[Size] = []
        group = self.group_by_guid(size_group_guid)
        if group is not None and is_visible(group.visibility):
            for ref in group.modifierOptionReferences or ():
                option = self.options.get(str(ref)) if ref is not None else None
                if option is None or not is_visible(option.visibility):
                    continue
                amount = self.option_range(option, group, sizes_allowed=False)
                sizes.append(Size(name=option.name or "", price=amount[0] if amount else None))
        kept = self._sizes[size_group_guid] = tuple(sizes)
        return kept

    def item_price(self, item: MenuItem) -> tuple[float | None, tuple[Size, ...]]:
        """(display price, sizes) for one item occurrence."""
        strategy = item.pricingStrategy
        if strategy == "OPEN_PRICE":
            return None, ()
        if strategy == "SIZE_PRICE":
            rules = item.pricingRules
            sizes = self.sizes(rules.sizeSpecificPricingGuid if rules else None)
            priced = [s.price for s in sizes if s.price is not None]
            return (min(priced) if priced else finite(item.price)), sizes
        if strategy == "TIME_SPECIFIC_PRICE":
            return time_specific_price(item.price, item.pricingRules, self.local_now,
                                       self.time_windows), ()
        # BASE_PRICE, and MENU_SPECIFIC_PRICE (Toast already resolved it for this menu).
        return finite(item.price), ()

    def option_range(self, option: ModifierOption, group: ModifierGroup | None, *,
                     sizes_allowed: bool = True) -> PriceRange | None:
        """An option's surcharge as (lowest, highest); None when it has no fixed price."""
        strategy = option.pricingStrategy
        price = finite(option.price)
        if strategy == "OPEN_PRICE":
            return None
        if strategy == "GROUP_PRICE":
            # A fixed group price is copied into each option's price by Toast.
            if price is not None:
                return price, price
            if group is not None and group.pricingStrategy in _RULE_PRICED_GROUPS:
                return sequence_range(group.pricingRules)
            return None
        if strategy == "TIME_SPECIFIC_PRICE":
            price = time_specific_price(option.price, option.pricingRules, self.local_now,
                                        self.time_windows)
        elif strategy == "SIZE_PRICE" and sizes_allowed and option.pricingRules is not None:
            priced = [s.price for s in self.sizes(option.pricingRules.sizeSpecificPricingGuid)
                      if s.price is not None]
            if priced:
                return min(priced), max(priced)
        return (price, price) if price is not None else None
