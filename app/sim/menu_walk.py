"""Walk a menus V2 ``Restaurant`` document: every item occurrence, in Toast order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]


def iter_items(doc: Json) -> Iterator[tuple[Json, list[Json], Json]]:
    """(menu, group path from the top, item) for every item occurrence, hidden ones too."""
    for menu in doc.get("menus") or []:
        stack: list[tuple[Json, list[Json]]] = [
            (g, [g]) for g in reversed(menu.get("menuGroups") or [])]
        while stack:
            group, path = stack.pop()
            for item in group.get("menuItems") or []:
                yield menu, path, item
            for child in reversed(group.get("menuGroups") or []):
                stack.append((child, [*path, child]))


def iter_groups(doc: Json) -> Iterator[Json]:
    for menu in doc.get("menus") or []:
        stack = list(menu.get("menuGroups") or [])
        while stack:
            group = stack.pop()
            yield group
            stack.extend(group.get("menuGroups") or [])


def find_items(doc: Json, *, guid: str | None = None, name: str | None = None) -> list[Json]:
    """Every occurrence of an item, by guid or by case-insensitive name."""
    wanted = name.casefold() if name is not None else None
    return [item for _, _, item in iter_items(doc)
            if (guid is not None and str(item.get("guid", "")).lower() == guid.lower())
            or (wanted is not None and str(item.get("name", "")).casefold() == wanted)]


def stockable_ids(doc: Json) -> dict[str, str]:
    """guid → multiLocationId of every menu item and modifier option (item references)."""
    ids = {str(item["guid"]).lower(): str(item["multiLocationId"])
           for _, _, item in iter_items(doc)}
    for option in (doc.get("modifierOptionReferences") or {}).values():
        ids[str(option["guid"]).lower()] = str(option["multiLocationId"])
    return ids
