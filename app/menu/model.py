"""Typed, lenient views of Toast's menus V2 document and stock answer.

The structs hold only the fields the flattener reads; msgspec skips every other
key without building Python objects for it, which is what keeps decoding a 7 MB
menu cheaper than a generic ``orjson.loads``. Attribute names are Toast's own
(camelCase) so the JSON needs no renaming.

Leniency (docs/toast-api.md, quirks the code handles): every field has a default,
so a missing key never fails; anything Toast documents as nullable (and a few it
does not mark, such as ``containsAlcohol``) accepts ``null``. Fields we do not read
(``salesCategory``, ``preModifierGroupReference``, ...) are not declared, so their
nulls cannot hurt.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from app.errors import ToastBadResponse

T = TypeVar("T")


class Struct(msgspec.Struct, kw_only=True, gc=False):
    """Base: keyword-only, every field optional (Toast may omit or null any of them).

    ``gc=False``: a decoded menu is a tree (no reference cycles), and keeping its tens
    of thousands of objects out of the cyclic GC's sight removes the collection pauses
    that otherwise land in the middle of flattening a large menu.
    """


class TimeRange(Struct):
    start: str | None = None
    end: str | None = None


class Schedule(Struct):
    days: list[str | None] | None = None
    timeRanges: list[TimeRange | None] | None = None


class Availability(Struct):
    alwaysAvailable: bool | None = None
    schedule: list[Schedule | None] | None = None


class TimeSpecificPrice(Struct):
    timeSpecificPrice: float | None = None
    basePrice: float | None = None
    schedule: list[Schedule | None] | None = None


class SequencePrice(Struct):
    sequence: int | float | None = None
    price: float | None = None


class SizeSequencePricingRule(Struct):
    sizeName: str | None = None
    sizeGuid: str | None = None
    sequencePrices: list[SequencePrice | None] | None = None


class PricingRules(Struct):
    timeSpecificPricingRules: list[TimeSpecificPrice | None] | None = None
    sizeSpecificPricingGuid: str | None = None
    sizeSequencePricingRules: list[SizeSequencePricingRule | None] | None = None


class Tag(Struct):
    name: str | None = None
    guid: str | None = None


class Alcohol(Struct):
    # Documented as "YES" | "NO" | null; a YAML-1.1-minded producer may send a bool.
    containsAlcohol: str | bool | None = None


class ContentAdvisories(Struct):
    alcohol: Alcohol | None = None


class MenuItem(Struct):
    name: str | None = None
    guid: str | None = None
    multiLocationId: str | None = None
    description: str | None = None
    image: str | None = None
    images: list[str | None] | None = None
    visibility: list[str | None] | None = None
    price: float | None = None
    pricingStrategy: str | None = None
    pricingRules: PricingRules | None = None
    itemTags: list[Tag | None] | None = None
    calories: int | float | None = None
    contentAdvisories: ContentAdvisories | None = None
    modifierGroupReferences: list[int | None] | None = None


class MenuGroup(Struct):
    name: str | None = None
    guid: str | None = None
    description: str | None = None
    image: str | None = None
    visibility: list[str | None] | None = None
    menuGroups: list[MenuGroup | None] | None = None
    menuItems: list[MenuItem | None] | None = None


class Menu(Struct):
    name: str | None = None
    guid: str | None = None
    description: str | None = None
    image: str | None = None
    visibility: list[str | None] | None = None
    availability: Availability | None = None
    menuGroups: list[MenuGroup | None] | None = None


class ModifierOption(Struct):
    name: str | None = None
    guid: str | None = None
    visibility: list[str | None] | None = None
    price: float | None = None
    pricingStrategy: str | None = None
    pricingRules: PricingRules | None = None


class ModifierGroup(Struct):
    name: str | None = None
    guid: str | None = None
    visibility: list[str | None] | None = None
    pricingStrategy: str | None = None
    pricingRules: PricingRules | None = None
    modifierOptionReferences: list[int | None] | None = None


class MenusDocument(Struct):
    restaurantGuid: str | None = None
    lastUpdated: str | None = None
    restaurantTimeZone: str | None = None
    menus: list[Menu | None] | None = None
    # Keyed by str(referenceId); items and options point here with the integer.
    modifierGroupReferences: dict[str, ModifierGroup | None] | None = None
    modifierOptionReferences: dict[str, ModifierOption | None] | None = None


class StockEntry(Struct):
    """One ``MenuItemInventory``; Toast lists only OUT_OF_STOCK and QUANTITY items."""

    guid: str | None = None
    status: str | None = None
    quantity: float | None = None
    multiLocationId: str | None = None
    itemGuidValidity: str | None = None


def is_visible(visibility: list[str | None] | None) -> bool:
    """An empty ``visibility`` array hides the entity on every channel; null/missing does not."""
    return visibility is None or len(visibility) > 0


class MenusHead(Struct):
    """The top of a ``/menus`` answer: what a snapshot needs before the menus are decoded."""

    lastUpdated: str | None = None
    restaurantTimeZone: str | None = None


_MENUS_DECODER = msgspec.json.Decoder(MenusDocument)
_HEAD_DECODER = msgspec.json.Decoder(MenusHead)
_STOCK_DECODER = msgspec.json.Decoder(list[StockEntry | None])


def _decode_error(what: str, exc: msgspec.DecodeError) -> ToastBadResponse:
    if isinstance(exc, msgspec.ValidationError):
        return ToastBadResponse(f"Toast {what} answer has an unexpected shape: {exc}",
                                endpoint=what)
    return ToastBadResponse(f"Toast {what} answer is not valid JSON: {exc}", endpoint=what)


def decode_menus(data: bytes) -> MenusDocument:
    """Decode ``GET /menus/v2/menus``; raises ``ToastBadResponse`` naming the problem."""
    return _menus_with(_MENUS_DECODER, data)


def decode_menus_head(data: bytes) -> MenusHead:
    """The head of ``GET /menus/v2/menus``, checking that the whole answer is JSON; the
    menus themselves are skipped without building a Python object for them."""
    return _menus_with(_HEAD_DECODER, data)


def _menus_with(decoder: msgspec.json.Decoder[T], data: bytes) -> T:
    try:
        return decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise _decode_error("/menus", exc) from None
    except RecursionError:
        raise ToastBadResponse("Toast /menus answer is nested too deeply to read",
                               endpoint="/menus") from None


def decode_stock(data: bytes) -> tuple[StockEntry, ...]:
    """Decode ``GET /stock/v1/inventory``; raises ``ToastBadResponse`` naming the problem."""
    try:
        entries = _STOCK_DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise _decode_error("/stock", exc) from None
    return tuple(e for e in entries if e is not None)
