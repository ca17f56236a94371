"""Rendered bytes: flattened JSON shape, CSV parity with JSON, groups, stock, ETags."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import orjson
import pytest

from app.menu.flatten import flatten
from app.menu.model import StockEntry, decode_menus
from app.menu.render import (
    make_etag,
    render_csv,
    render_groups_json,
    render_menu_json,
    render_stock_json,
    sizes_text,
)
from app.menu.rows import ROW_FIELDS, Row, Size
from app.menu.stock import apply_stock
from app.menu.text import one_line
from tests.support.menu_docs import (
    EXAMPLE,
    NOW,
    RESTAURANT,
    decode,
    example_rows,
    item,
    one_item_doc,
)


def csv_cell(value: Any, field: str) -> str:
    """How a JSON row value must appear in the CSV (the contract the CSV is tested against)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if field == "sizes":
        return " | ".join(f"{s['name']} ${s['price']:,.2f}" if s["price"] is not None
                          else s["name"] for s in value)
    if field == "tags":
        return one_line(", ".join(value))
    return one_line(str(value))


def assert_csv_matches_json(rows: Sequence[Row]) -> None:
    items = orjson.loads(render_menu_json(RESTAURANT, "", "", False, rows))["items"]
    raw = render_csv(rows, escape_formulas=False).decode("utf-8")
    records = list(csv.reader(io.StringIO(raw, newline="")))
    assert records[0] == list(ROW_FIELDS)
    assert records[1:] == [[csv_cell(it[f], f) for f in ROW_FIELDS] for it in items]


def test_menu_json_top_level_shape() -> None:
    """The answer is exactly {restaurant, lastUpdated, fetchedAt, stale, items}."""
    body = orjson.loads(render_menu_json(RESTAURANT, "2025-02-15T12:30:00.000+0000",
                                         "2025-02-17T20:30:00Z", True, example_rows()))
    assert list(body) == ["restaurant", "lastUpdated", "fetchedAt", "stale", "items"]
    assert body["restaurant"] == {"guid": "r-guid", "name": "Toast Diner",
                                  "timeZone": "America/New_York"}
    assert (body["lastUpdated"], body["fetchedAt"], body["stale"]) == (
        "2025-02-15T12:30:00.000+0000", "2025-02-17T20:30:00Z", True)
    assert [list(row) for row in body["items"]] == [list(ROW_FIELDS)] * 4


def test_row_fields_are_the_product_contract() -> None:
    """Row fields are exactly PRODUCT.md's, in its order, with the relay's imageUrl last."""
    assert ROW_FIELDS == ("menu", "group", "groupPath", "name", "guid", "description", "image",
                          "price", "priceText", "sizes", "tags", "calories", "outOfStock",
                          "quantity", "alcohol", "modifiers", "imageUrl")


def test_example_row_json() -> None:
    """The Fries row renders with sizes as objects and nulls as JSON null."""
    fries = orjson.loads(render_menu_json(RESTAURANT, "", "", False, example_rows()))["items"][3]
    assert fries["sizes"] == [{"name": "Small", "price": 3.5}, {"name": "Large", "price": 5.0}]
    assert (fries["price"], fries["priceText"], fries["calories"], fries["image"]) == (
        3.5, "$3.50", None, None)


def test_csv_rows_equal_json_rows_for_example() -> None:
    """Every CSV record carries the same values as the JSON row, with lists joined."""
    rows = apply_stock(example_rows(), [
        StockEntry(guid="00bd9057-d418-50f5-b7e9-84e56b479554", status="QUANTITY", quantity=3),
        StockEntry(guid="e0e4f75a-d9c6-584b-a7eb-eb5bd8a508a3", status="OUT_OF_STOCK")])
    assert_csv_matches_json(rows)


@pytest.mark.parametrize("text", [
    'Say "cheese"', "comma, inside", "line\nbreak", "carriage\rreturn", "Crème brûlée ☕",
    " leading space", "", "=1+1",
])
def test_csv_quotes_awkward_text(text: str) -> None:
    """Quotes, commas and non-ASCII survive the CSV round trip; line breaks become spaces."""
    it = item(text or "x", 4.0, description=text, itemTags=[{"name": text}, {"name": "b"}])
    assert_csv_matches_json(flatten(decode(one_item_doc(it)), now=NOW).rows)


CONTROLS = "Bad\x00Name \x1b[31mred\x1b[0m\x07\x7f\x9b"


def test_nul_esc_and_other_controls_never_reach_the_csv() -> None:
    """NUL, ESC, BEL, DEL and C1 controls in Toast text are dropped from every CSV cell."""
    it = item(CONTROLS, 4.0, description=CONTROLS, itemTags=[{"name": CONTROLS}])
    raw = render_csv(flatten(decode(one_item_doc(it)), now=NOW).rows).decode("utf-8")
    assert not any(c in raw for c in "\x00\x1b\x07\x7f\x9b")
    record = next(r for r in csv.DictReader(io.StringIO(raw, newline="")))
    assert record["name"] == record["description"] == record["tags"] == "BadName [31mred[0m"


def test_csv_header_only_when_no_rows() -> None:
    """An empty menu still gives the header line."""
    assert render_csv([]) == (",".join(ROW_FIELDS) + "\r\n").encode()


@pytest.mark.parametrize(("sizes", "currency", "text"), [
    ([Size(name="Small", price=4.25), Size(name="Large", price=5.25)], "USD",
     "Small $4.25 | Large $5.25"),
    ([Size(name="Petit", price=4.25)], "EUR", "Petit €4.25"),
    ([Size(name="Market", price=None)], "USD", "Market"),
    ([], "USD", ""),
])
def test_sizes_text(sizes: list[Size], currency: str, text: str) -> None:
    """Sizes join as ``name price`` with `` | `` in the restaurant's currency."""
    assert sizes_text(sizes, currency) == text


def test_groups_json_nests_items() -> None:
    """The groups view nests menus → groups → items, child groups after a group's items."""
    flat = flatten(decode_menus(EXAMPLE.read_bytes()), now=NOW)
    body = orjson.loads(render_groups_json(RESTAURANT, "lu", "fa", False, flat, flat.rows))
    assert list(body) == ["restaurant", "lastUpdated", "fetchedAt", "stale", "menus"]
    (menu,) = body["menus"]
    (top,) = menu["groups"]
    assert [i["name"] for i in top["items"]] == ["Classic Burger", "Veggie Burger",
                                                 "Happy Hour Wings"]
    assert [(g["name"], [i["name"] for i in g["items"]]) for g in top["groups"]] == [
        ("Sides", ["Fries"])]


def test_groups_json_with_indexes_drops_empty_groups() -> None:
    """Filtering the groups view to one row keeps only the groups leading to it."""
    flat = flatten(decode_menus(EXAMPLE.read_bytes()), now=NOW)
    body = orjson.loads(render_groups_json(RESTAURANT, "", "", False, flat, flat.rows, [3]))
    (top,) = body["menus"][0]["groups"]
    assert (top["items"], top["groups"][0]["items"][0]["name"]) == ([], "Fries")
    empty = orjson.loads(render_groups_json(RESTAURANT, "", "", False, flat, flat.rows, []))
    assert empty["menus"] == []


def test_groups_json_shows_stock() -> None:
    """The groups view uses the rows it is given, so stock shows there too."""
    flat = flatten(decode_menus(EXAMPLE.read_bytes()), now=NOW)
    rows = apply_stock(flat.rows, [StockEntry(guid=flat.rows[0].guid, status="OUT_OF_STOCK")])
    body = orjson.loads(render_groups_json(RESTAURANT, "", "", False, flat, rows))
    assert body["menus"][0]["groups"][0]["items"][0]["outOfStock"] is True


def test_stock_json_names_items_and_options() -> None:
    """Stock lists sold-out and limited items with names; invalid guids are left out."""
    flat = flatten(decode_menus(EXAMPLE.read_bytes()), now=NOW)
    stock = [
        StockEntry(guid="E0E4F75A-D9C6-584B-A7EB-EB5BD8A508A3", status="OUT_OF_STOCK",
                   multiLocationId="100000000171238813"),
        StockEntry(guid="517125e3-3c0e-5923-a43e-1f4d6f93ec9b", status="QUANTITY", quantity=2),
        StockEntry(guid="unknown", status="OUT_OF_STOCK"),
        StockEntry(guid="bad", status="OUT_OF_STOCK", itemGuidValidity="INVALID"),
        StockEntry(guid="fine", status="IN_STOCK"),
    ]
    body = orjson.loads(render_stock_json(RESTAURANT, "fa", False, stock, flat))
    assert list(body) == ["restaurant", "fetchedAt", "stale", "items"]
    assert [(i["name"], i["status"], i["outOfStock"], i["quantity"]) for i in body["items"]] == [
        ("Classic Burger", "OUT_OF_STOCK", True, None), ("Cheddar", "QUANTITY", False, 2.0),
        (None, "OUT_OF_STOCK", True, None)]


def test_stock_json_without_menu() -> None:
    """Stock renders before any menu exists, without names."""
    body = orjson.loads(render_stock_json(
        {}, "fa", True, [StockEntry(guid="a", status="QUANTITY", quantity=1.5)], None))
    assert body["items"] == [{"guid": "a", "name": None, "status": "QUANTITY",
                              "outOfStock": False, "quantity": 1.5, "multiLocationId": None}]
    assert body["restaurant"] == {"guid": None, "name": None, "timeZone": None}


def test_etag_is_strong_quoted_and_stable() -> None:
    """ETags are quoted (strong), repeatable, and change when any byte changes."""
    tag = make_etag(b"abc", b"def")
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith('W/')
    assert tag == make_etag(b"abc", b"def")
    assert tag != make_etag(b"abc", b"deF")


def test_etag_respects_part_boundaries() -> None:
    """Moving bytes between parts changes the ETag."""
    assert make_etag(b"ab", b"c") != make_etag(b"a", b"bc")
    assert make_etag(b"abc") != make_etag(b"abc", b"")


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"x\")",
                                  "\tx"])
def test_csv_neutralises_formulas(text: str) -> None:
    """A text cell starting with = + - @ (or a tab) gets a leading ' so spreadsheets show
    it as text; numbers and ordinary text are untouched; the switch turns it off."""
    row = Row(menu="M", group="G", groupPath="G", name=text, guid="g", description="plain",
              image=None, price=-1.5, priceText="", sizes=[], tags=[], calories=None,
              modifiers=text)
    record = next(csv.DictReader(io.StringIO(render_csv([row]).decode(), newline="")))
    assert record["name"].startswith("'") and record["modifiers"].startswith("'")
    assert record["name"][1:].strip() == one_line(text).strip()
    assert record["description"] == "plain" and record["price"] == "-1.5"
    raw = next(csv.DictReader(io.StringIO(render_csv([row], escape_formulas=False).decode(),
                                          newline="")))
    assert raw["name"] == one_line(text)
