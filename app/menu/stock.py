"""Overlay Toast stock on flattened rows without re-flattening (docs/toast-api.md, stock).

``GET /stock/v1/inventory`` lists only OUT_OF_STOCK and QUANTITY items; an item
that is absent is in stock. Rows untouched by stock are reused as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from msgspec.structs import replace

from app.menu.model import StockEntry
from app.menu.rows import Row


def stock_by_guid(stock: Iterable[StockEntry]) -> dict[str, StockEntry]:
    """Entries that change a row, keyed by lower-case guid (IN_STOCK and unknown dropped)."""
    return {e.guid.lower(): e for e in stock
            if e.guid and e.status in ("OUT_OF_STOCK", "QUANTITY")}


def apply_stock(rows: Sequence[Row], stock: Iterable[StockEntry]) -> list[Row]:
    """Rows with ``outOfStock``/``quantity`` set from ``stock``; ``rows`` are not modified."""
    by_guid = stock_by_guid(stock)
    if not by_guid:
        return [r if not (r.outOfStock or r.quantity is not None) else
                replace(r, outOfStock=False, quantity=None) for r in rows]
    out: list[Row] = []
    for row in rows:
        entry = by_guid.get(row.guid.lower())
        if entry is None:
            if row.outOfStock or row.quantity is not None:
                row = replace(row, outOfStock=False, quantity=None)
        elif entry.status == "OUT_OF_STOCK":
            row = replace(row, outOfStock=True, quantity=None)
        else:
            # float() so JSON and CSV agree even for entries built in code with an int.
            quantity = float(entry.quantity) if entry.quantity is not None else None
            row = replace(row, outOfStock=False, quantity=quantity)
        out.append(row)
    return out


def with_stock_event(stock: Iterable[StockEntry], item_guid: str, status: str,
                     quantity: float | None) -> list[StockEntry]:
    """``stock`` after a stock webhook for one item: IN_STOCK removes its entry.

    Stock events: docs/toast-api.md, webhooks. The entry keeps the ``multiLocationId``
    it had; the next inventory poll replaces the whole list with Toast's answer anyway.
    """
    key = item_guid.lower()
    kept = [e for e in stock if (e.guid or "").lower() != key]
    if status not in ("OUT_OF_STOCK", "QUANTITY"):
        return kept
    before = next((e for e in stock if (e.guid or "").lower() == key), None)
    return [*kept, StockEntry(guid=item_guid, status=status,
                              quantity=quantity if status == "QUANTITY" else None,
                              multiLocationId=before.multiLocationId if before else None,
                              itemGuidValidity="VALID")]
