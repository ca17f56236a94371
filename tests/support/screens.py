"""Small menus for the screens' unit tests: a ``FlatMenu`` from (menu, group path, item) rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from app.menu.flatten import FlatMenu, MenuInfo
from app.menu.rows import Row


def item_guid(name: str) -> str:
    """A stable GUID per item name (so tests can name items by GUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"item:{name}"))


def flat_menu(spec: Sequence[tuple[str, str, str]], *, description: str = "",
              out_of_stock: Sequence[str] = ()) -> FlatMenu:
    """Rows in the order given; ``spec`` entries are (menu, "Group > Child", item name)."""
    menus: list[str] = list(dict.fromkeys(m for m, _, _ in spec))
    rows: list[Row] = []
    for menu, path, name in spec:
        groups = path.split(" > ")
        rows.append(Row(menu=menu, group=groups[-1], groupPath=path, name=name,
                        guid=item_guid(name), description=description, image=None,
                        price=1.0, priceText="$1.00", sizes=(), tags=(), calories=None,
                        outOfStock=name in out_of_stock))
    return FlatMenu(
        restaurant_guid=str(uuid.uuid5(uuid.NAMESPACE_URL, "restaurant")),
        time_zone="America/New_York", last_updated="2026-01-01T00:00:00.000+0000",
        rows=tuple(rows), row_menu=tuple(menus.index(m) for m, _, _ in spec),
        row_groups=tuple(tuple(g.casefold() for g in p.split(" > ")) for _, p, _ in spec),
        menus=tuple(MenuInfo(m, str(uuid.uuid5(uuid.NAMESPACE_URL, m)), None) for m in menus),
        tree=(), option_names={}, valid_until=None)
