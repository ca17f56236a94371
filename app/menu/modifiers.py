"""The short ``modifiers`` text of a row, e.g. ``Add-ons: Bacon +$2.00, Cheese +$1.00``.

Toast de-duplicates modifier groups into a reference map (docs/toast-api.md, the
document), so each group's text is built once per document and items only join cached
strings. Hidden groups and options are left out, free options carry no price, groups
are joined with ``"; "``. Nested groups under options and premodifiers are not spelled
out: the text is a one-line hint, not an ordering UI.
"""

from __future__ import annotations

from app.menu.model import ModifierGroup, is_visible
from app.menu.money import format_addon, format_price
from app.menu.pricing import Pricer, PriceRange


def addon_text(amount: PriceRange | None, currency: str) -> str:
    """``(2, 2)`` → ``"+$2.00"``; ``(0.5, 0.75)`` → ``"+$0.50/$0.75"``; free → ``""``."""
    if amount is None:
        return ""
    low, high = amount
    if low == high:
        return format_addon(low, currency)
    return f"+{format_price(low, currency)}/{format_price(high, currency)}"


class ModifierTexts:
    """Per-document memo: modifier-group reference → (group guid, text)."""

    def __init__(self, pricer: Pricer, currency: str) -> None:
        self._pricer = pricer
        self._currency = currency
        self._by_ref: dict[int, tuple[str | None, str]] = {}
        self._joined: dict[tuple[tuple[int | None, ...], str | None], str] = {}
        """Items with the same groups share one text object: a menu's items use a few
        combinations, and each text is ~0.5 KB held per row for as long as the view."""

    def group_text(self, ref: int) -> tuple[str | None, str]:
        cached = self._by_ref.get(ref)
        if cached is None:
            group = self._pricer.groups.get(str(ref))
            cached = (group.guid, self._build(group)) if group is not None else (None, "")
            self._by_ref[ref] = cached
        return cached

    def _build(self, group: ModifierGroup) -> str:
        if not is_visible(group.visibility):
            return ""
        options = self._pricer.options
        parts: list[str] = []
        for ref in group.modifierOptionReferences or ():
            option = options.get(str(ref)) if ref is not None else None
            if option is None or not is_visible(option.visibility):
                continue
            price = addon_text(self._pricer.option_range(option, group), self._currency)
            name = option.name or ""
            parts.append(f"{name} {price}" if price else name)
        if not parts:
            return ""
        listed = ", ".join(parts)
        return f"{group.name}: {listed}" if group.name else listed

    def for_item(self, refs: list[int | None] | None, size_group_guid: str | None) -> str:
        """The item's groups in Toast order, without its Size group (that is ``sizes``)."""
        if not refs:
            return ""
        key = (tuple(refs), size_group_guid)
        joined = self._joined.get(key)
        if joined is None:
            joined = self._joined[key] = self._join(refs, size_group_guid)
        return joined

    def _join(self, refs: list[int | None], size_group_guid: str | None) -> str:
        texts: list[str] = []
        by_ref = self._by_ref
        for ref in refs:
            if ref is None:
                continue
            guid, text = by_ref.get(ref) or self.group_text(ref)
            if text and (size_group_guid is None or guid != size_group_guid):
                texts.append(text)
        return "; ".join(texts)
