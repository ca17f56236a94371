"""The flattened row a board reads: one per item occurrence (PRODUCT.md "Flattened menu JSON").

Field order and names are the JSON/CSV contract; nothing internal is added here
(the flattener keeps menu indexes and group paths for filtering beside the rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec


class Size(msgspec.Struct, kw_only=True, gc=False):
    name: str
    price: float | None


class Row(msgspec.Struct, kw_only=True, gc=False):  # rows hold no cycles either
    menu: str
    group: str
    groupPath: str
    name: str
    guid: str
    description: str
    image: str | None
    price: float | None
    priceText: str
    # Tuples, not lists: the garbage collector stops tracking a tuple of untracked items,
    # so a thousand restaurants' rows are not rescanned by every full collection, which
    # would hold the event loop (docs/performance.md, "Measurements behind the code").
    sizes: Sequence[Size]
    tags: Sequence[str]
    calories: int | None
    outOfStock: bool = False
    quantity: float | None = None
    alcohol: bool = False
    modifiers: str = ""
    imageUrl: str | None = None
    """The relay's path for ``image`` (``/image/<restaurant>/<item>``), null without one."""


ROW_FIELDS: tuple[str, ...] = Row.__struct_fields__
"""Column order of the CSV and key order of each JSON row."""
