"""Toast's menu tree → one row per item occurrence, in Toast's display order.

Order is array order (``sortOrder`` is for kitchen tickets): menus, then each
group's own items, then its child groups, recursively. A menu, group or item with
an empty ``visibility`` array is dropped with everything under it (both rules:
docs/toast-api.md, display order and visibility).
Stock is not applied here (see ``stock.py``), so a stock change never re-flattens.
"""

from __future__ import annotations

import math
from datetime import datetime

import msgspec

from app.errors import ToastBadResponse
from app.menu.availability import next_change, to_local, zone
from app.menu.model import Availability, MenuGroup, MenuItem, MenusDocument, is_visible
from app.menu.modifiers import ModifierTexts
from app.menu.money import format_price
from app.menu.pricing import Pricer
from app.menu.rows import Row

PATH_SEPARATOR = " > "
MAX_GROUP_DEPTH = 64
"""Deeper group nesting is refused: Toast Web nests a few levels, and the views recurse."""


class MenuInfo(msgspec.Struct, frozen=True, gc=False):
    """A visible menu, for the ``menu=`` and ``available=now`` filters."""

    name: str
    guid: str
    availability: Availability | None


class GroupNode(msgspec.Struct, frozen=True, gc=False):
    """A visible group for the /groups view; ``items`` are indexes into ``FlatMenu.rows``.

    Like ``Row``, never tracked by the garbage collector (a tree holds no cycles), and
    its children are tuples, which the collector stops tracking once it has seen them:
    full collections do not rescan every restaurant's group tree.
    """

    name: str
    guid: str
    description: str
    image: str | None
    items: tuple[int, ...]
    groups: tuple[GroupNode, ...]


class MenuNode(msgspec.Struct, frozen=True, gc=False):
    name: str
    guid: str
    description: str
    image: str | None
    groups: tuple[GroupNode, ...]


class FlatMenu(msgspec.Struct, frozen=True, gc=False):
    """A flattened document: rows plus what filters and views need beside them.

    Untracked by the garbage collector like its rows (see ``GroupNode``).
    """

    restaurant_guid: str
    time_zone: str
    last_updated: str
    # Tuples, not lists (as in ``Row``): a tuple of untracked items leaves the garbage
    # collector's view, so full collections do not rescan every restaurant's rows.
    rows: tuple[Row, ...]
    row_menu: tuple[int, ...]
    """Per row, the index of its menu in ``menus``."""
    row_groups: tuple[tuple[str, ...], ...]
    """Per row, its group names from the top, case-folded (shared tuples)."""
    menus: tuple[MenuInfo, ...]
    tree: tuple[MenuNode, ...]
    option_names: dict[str, str]
    """Visible modifier option guid → name (stock also covers options)."""
    valid_until: datetime | None
    """Next instant a time-specific price flips; re-flatten then. None: never."""


class _Builder:
    def __init__(self, doc: MenusDocument, local_now: datetime, currency: str) -> None:
        self.pricer = Pricer(doc, local_now)
        self.texts = ModifierTexts(self.pricer, currency)
        self.currency = currency
        self.rows: list[Row] = []
        self.row_menu: list[int] = []
        self.row_groups: list[tuple[str, ...]] = []
        self.image_prefix = f"/image/{(doc.restaurantGuid or '').lower()}/"

    def group(self, group: MenuGroup, menu_index: int, menu_name: str,
              path: tuple[str, ...], folded: tuple[str, ...]) -> GroupNode:
        if len(path) >= MAX_GROUP_DEPTH:
            raise ToastBadResponse(f"Toast /menus answer nests menu groups more than "
                                   f"{MAX_GROUP_DEPTH} deep", endpoint="/menus")
        name = group.name or ""
        path = (*path, name)
        folded = (*folded, name.casefold())
        joined = PATH_SEPARATOR.join(path)
        items: list[int] = []
        for item in group.menuItems or ():
            if item is not None and is_visible(item.visibility):
                items.append(len(self.rows))
                self.rows.append(self.row(item, menu_name, name, joined))
                self.row_menu.append(menu_index)
                self.row_groups.append(folded)
        children = tuple(self.group(child, menu_index, menu_name, path, folded)
                         for child in group.menuGroups or ()
                         if child is not None and is_visible(child.visibility))
        return GroupNode(name=name, guid=group.guid or "", description=group.description or "",
                         image=group.image or None, items=tuple(items), groups=children)

    def row(self, item: MenuItem, menu: str, group: str, path: str) -> Row:
        price, sizes = self.pricer.item_price(item)
        rules = item.pricingRules
        size_guid = rules.sizeSpecificPricingGuid if rules is not None else None
        image = item.image or next((i for i in item.images or () if i), None)
        calories = item.calories
        advisories = item.contentAdvisories
        alcohol = advisories.alcohol if advisories is not None else None
        return Row(
            menu=menu,
            group=group,
            groupPath=path,
            name=item.name or "",
            guid=item.guid or "",
            description=item.description or "",
            image=image,
            price=price,
            priceText=format_price(price, self.currency) if price is not None else "",
            sizes=sizes,
            tags=tuple(t.name for t in item.itemTags if t is not None and t.name)
            if item.itemTags else (),
            calories=int(calories) if calories is not None and math.isfinite(calories) else None,
            alcohol=alcohol is not None and alcohol.containsAlcohol in ("YES", True),
            modifiers=self.texts.for_item(item.modifierGroupReferences, size_guid),
            imageUrl=self.image_prefix + (item.guid or "") if image else None,
        )


def _option_names(doc: MenusDocument) -> dict[str, str]:
    return {o.guid: o.name or "" for o in (doc.modifierOptionReferences or {}).values()
            if o is not None and o.guid and is_visible(o.visibility)}


def flatten(doc: MenusDocument, *, now: datetime, currency: str = "USD") -> FlatMenu:
    """Flatten ``doc`` with prices as of ``now`` (aware; converted to the restaurant's zone).

    An unknown or missing ``restaurantTimeZone`` is read as UTC rather than
    failing the whole menu. Raises ``ToastBadResponse`` for absurdly deep groups.
    """
    tz = zone(doc.restaurantTimeZone)
    builder = _Builder(doc, to_local(now, tz), currency)
    menus: list[MenuInfo] = []
    tree: list[MenuNode] = []
    for menu in doc.menus or ():
        if menu is None or not is_visible(menu.visibility):
            continue
        index = len(menus)
        name = menu.name or ""
        menus.append(MenuInfo(name=name, guid=menu.guid or "", availability=menu.availability))
        groups = tuple(builder.group(group, index, name, (), ())
                       for group in menu.menuGroups or ()
                       if group is not None and is_visible(group.visibility))
        tree.append(MenuNode(name=name, guid=menu.guid or "", description=menu.description or "",
                             image=menu.image or None, groups=groups))
    return FlatMenu(
        restaurant_guid=doc.restaurantGuid or "",
        time_zone=doc.restaurantTimeZone or "",
        last_updated=doc.lastUpdated or "",
        rows=tuple(builder.rows),
        row_menu=tuple(builder.row_menu),
        row_groups=tuple(builder.row_groups),
        menus=tuple(menus),
        tree=tuple(tree),
        option_names=_option_names(doc),
        valid_until=next_change(builder.pricer.time_windows, now, tz),
    )
