"""diff_rows: what changed between two row lists (added, removed, prices, stock, edits)."""

from __future__ import annotations

import msgspec

from app.menu.diff import LIST_LIMIT, diff_rows, price_display
from app.menu.rows import Row, Size


def row(guid: str, **kw: object) -> Row:
    base: dict[str, object] = dict(
        menu="Lunch", group="Burgers", groupPath="Burgers", name=f"Item {guid}", guid=guid,
        description="", image=None, price=10.0, priceText="$10.00", sizes=[], tags=[],
        calories=None)
    base.update(kw)
    return msgspec.convert(base, Row)


def test_identical_rows_have_no_changes() -> None:
    """The same rows give empty lists, zero counts and no edits."""
    rows = [row("a"), row("b")]
    changes = diff_rows(rows, list(rows))
    assert changes.is_empty and changes.counts == {
        "added": 0, "removed": 0, "priceChanges": 0, "soldOut": 0, "backInStock": 0}


def test_added_and_removed_items() -> None:
    """Items only in the new rows are added; only in the old, removed."""
    changes = diff_rows([row("a"), row("b")], [row("b"), row("c")])
    assert [i.guid for i in changes.added] == ["c"]
    assert [i.guid for i in changes.removed] == ["a"]
    assert not changes.priceChanges and changes.otherEdits == 0


def test_price_changes_show_before_and_after_as_the_board_does() -> None:
    """A new price is reported with the old and new display text."""
    changes = diff_rows([row("a")], [row("a", price=11.5, priceText="$11.50")])
    (p,) = changes.priceChanges
    assert (p.guid, p.name, p.before, p.after) == ("a", "Item a", "$10.00", "$11.50")
    assert changes.otherEdits == 0


def test_size_price_changes_count_even_when_the_lowest_stays() -> None:
    """A sized item whose Large price moved is a price change (its sizes text differs)."""
    old = row("a", sizes=[Size(name="Small", price=10.0), Size(name="Large", price=12.0)])
    new = row("a", sizes=[Size(name="Small", price=10.0), Size(name="Large", price=13.0)])
    (p,) = diff_rows([old], [new]).priceChanges
    assert (p.before, p.after) == ("Small $10.00 | Large $12.00", "Small $10.00 | Large $13.00")
    assert price_display(row("b")) == "$10.00"


def test_sold_out_and_back_in_stock() -> None:
    """outOfStock turning true is sold out; turning false is back in stock."""
    changes = diff_rows([row("a"), row("b", outOfStock=True)],
                        [row("a", outOfStock=True), row("b")])
    assert [i.guid for i in changes.soldOut] == ["a"]
    assert [i.guid for i in changes.backInStock] == ["b"]
    assert changes.otherEdits == 0 and not changes.priceChanges


def test_other_edits_are_counted_not_listed() -> None:
    """A new description or a move to another group is an edit, not a price or stock change."""
    changes = diff_rows([row("a"), row("b")],
                        [row("a", description="Now with fries"), row("b", group="Sides")])
    assert changes.otherEdits == 2 and not changes.is_empty
    assert not changes.priceChanges and not changes.added


def test_an_item_shown_twice_counts_once_by_guid() -> None:
    """Two occurrences of one item give one price change, matched case-insensitively."""
    old = [row("AA", menu="Lunch"), row("AA", menu="Dinner")]
    new = [row("aa", menu="Lunch", price=9.0, priceText="$9.00"),
           row("aa", menu="Dinner", price=9.0, priceText="$9.00")]
    changes = diff_rows(old, new)
    assert len(changes.priceChanges) == 1 and not changes.added and not changes.removed


def test_lists_stop_at_the_limit_but_counts_do_not() -> None:
    """A huge publish names at most LIST_LIMIT items per kind and counts them all."""
    new = [row(f"n{i}") for i in range(LIST_LIMIT + 25)]
    changes = diff_rows([], new)
    assert len(changes.added) == LIST_LIMIT and changes.counts["added"] == LIST_LIMIT + 25
