"""The screen editor's data, pure: the live menu as choices, and a posted form as a definition.

Form fields (all from ``screen.html``): plain ones named as the definition's fields
(``title``, ``layout.theme``...); ``menus``, ``groups``, ``items`` and ``hide`` as
repeated checkbox values; ``pos:<kind>:<value>`` the position typed beside a menu,
group or item (blank: after the numbered ones, in the menu's order); and
``rename:<guid>``, ``describe:<guid>``, ``badges:<guid>`` (badges comma-separated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.menu.rows import Row
from app.screens.model import Screen
from app.screens.select import sold_out

Form = dict[str, list[str]]
LAYOUT_FIELDS = ("template", "theme", "accent", "columns", "images", "logo")


@dataclass(frozen=True, slots=True)
class ItemChoice:
    guid: str
    name: str
    price: str
    stock: str
    """``sold out``, ``3 left`` or empty."""
    first: bool = True
    """Its first group in the list: the item's controls are there (a form field once)."""


@dataclass(slots=True)
class GroupChoice:
    name: str
    menus: list[str]
    items: list[ItemChoice] = field(default_factory=list)


def stock_text(row: Row) -> str:
    if sold_out(row):
        return "sold out"
    if row.quantity is not None:
        return f"{row.quantity:g} left"
    return ""


def choices(rows: Sequence[Row]) -> tuple[list[str], list[GroupChoice]]:
    """The menus, and the groups (by innermost name, as ``groups`` names them) with their
    items once each, in Toast's order, with prices and stock as shown now."""
    menus: list[str] = []
    groups: dict[str, GroupChoice] = {}
    seen: set[tuple[str, str]] = set()
    placed: set[str] = set()
    for row in rows:
        if row.menu not in menus:
            menus.append(row.menu)
        group = groups.setdefault(row.group.casefold(), GroupChoice(row.group, []))
        if row.menu not in group.menus:
            group.menus.append(row.menu)
        if (group.name, row.guid) not in seen:
            seen.add((group.name, row.guid))
            guid = row.guid.lower()
            group.items.append(ItemChoice(guid, row.name, row.priceText, stock_text(row),
                                          guid not in placed))
            placed.add(guid)
    return menus, list(groups.values())


def _one(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _ordered(form: Form, kind: str, offered: Sequence[str]) -> list[str]:
    """The ticked values of ``kind``, by the position typed beside each (blank: after)."""
    ticked = list(dict.fromkeys(form.get(kind, [])))
    index = {v: n for n, v in enumerate(offered)}

    def rank(value: str) -> tuple[float, int]:
        typed = _one(form, f"pos:{kind}:{value}")
        try:
            position = float(typed) if typed else float("inf")
        except ValueError:
            position = float("inf")
        return position, index.get(value, len(index))

    return sorted(ticked, key=rank)


def _per_item(form: Form, prefix: str) -> dict[str, str]:
    out = {}
    for name, values in form.items():
        if name.startswith(prefix) and values and values[0].strip():
            out[name.removeprefix(prefix)] = values[0].strip()
    return out


def definition(form: Form, menus: Sequence[str], groups: Sequence[str],
               items: Sequence[str]) -> dict[str, Any]:
    """The definition a posted editor form asks for (validated by ``Screen`` afterwards)."""
    layout: dict[str, Any] = {}
    for name in LAYOUT_FIELDS:
        value = _one(form, f"layout.{name}")
        if value:
            layout[name] = value
    data: dict[str, Any] = {
        "restaurant": _one(form, "restaurant") or None,
        "title": _one(form, "title") or None,
        "menus": _ordered(form, "menus", menus),
        "groups": _ordered(form, "groups", groups),
        "items": _ordered(form, "items", items),
        "hide": list(dict.fromkeys(form.get("hide", []))),
        "rename": _per_item(form, "rename:"),
        "describe": _per_item(form, "describe:"),
        "badges": {guid: [b.strip() for b in text.split(",") if b.strip()]
                   for guid, text in _per_item(form, "badges:").items()},
        "available": _one(form, "available") or "now",
        "soldOut": _one(form, "soldOut") or "mark",
        "parts": _one(form, "parts") or "1",
        "layout": layout,
        "footer": _one(form, "footer") or None,
        "calorieStatement": _one(form, "calorieStatement") or None,
    }
    return data


def form_field(loc: Sequence[int | str]) -> str:
    """A validation error's location → the form field it is shown next to."""
    head = str(loc[0]) if loc else "definition"
    if head in ("rename", "describe", "badges") and len(loc) > 1:
        return f"{head}:{loc[1]}"
    if head == "layout" and len(loc) > 1:
        return f"layout.{loc[1]}"
    return head


def validate(data: dict[str, Any]) -> tuple[Screen | None, dict[str, str]]:
    """The screen, or every problem by form field (the message as pydantic words it)."""
    try:
        return Screen.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            message = ("unknown field" if error["type"] == "extra_forbidden"
                       else str(error["msg"]).removeprefix("Value error, "))
            errors.setdefault(form_field(tuple(error["loc"])), message)
        return None, errors
