"""Property tests: random spec-shaped (and not so spec-shaped) menus never crash the core.

Each document either decodes, flattens and renders to consistent bytes, or is
rejected with ``ToastBadResponse``; nothing else may escape.
"""

from __future__ import annotations

import contextlib
import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import ToastBadResponse
from app.menu.filters import Filters, apply_filters
from app.menu.flatten import flatten
from app.menu.model import StockEntry, decode_menus, decode_stock
from app.menu.render import (
    make_etag,
    render_csv,
    render_groups_json,
    render_menu_json,
    render_stock_json,
)
from app.menu.rows import ROW_FIELDS
from app.menu.shapes import render_rows, render_rss, render_xml
from app.menu.stock import apply_stock
from app.menu.text import one_line, to_ascii
from tests.support.menu_docs import (
    ALL_DAYS,
    document,
    group,
    item,
    menu,
    mod_group,
    option,
    rules,
    seq_rule,
)
from tests.support.menu_docs import schedule as schedule_json

GUIDS = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)]
guid = st.sampled_from(GUIDS)
text = st.one_of(st.none(), st.text(max_size=6))
number = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 4.25, 1e300, -1e300, 5e-324]),
)
# Mostly visible, so most examples reach pricing; [] and null still appear often.
visibility: st.SearchStrategy[list[str] | None] = st.sampled_from(
    [["POS"], ["POS", "KIOSK"], ["GRUBHUB", "ORDERING_PARTNERS"], ["KIOSK"], [], None])
strategy = st.one_of(st.none(), st.text(max_size=4), st.sampled_from([
    "BASE_PRICE", "TIME_SPECIFIC_PRICE", "SIZE_PRICE", "GROUP_PRICE", "SIZE_PRICE"]),
    st.sampled_from([
    "BASE_PRICE", "MENU_SPECIFIC_PRICE", "TIME_SPECIFIC_PRICE", "SIZE_PRICE", "OPEN_PRICE",
    "GROUP_PRICE", "NONE", "SEQUENCE_PRICE", "SIZE_SEQUENCE_PRICE"]))
_TIMES = ["00:00", "02:00", "11:00", "15:00", "18:00", "23:59", "24:00"]
hhmm = st.one_of(st.sampled_from(_TIMES), st.sampled_from(_TIMES), st.sampled_from(_TIMES),
                 st.none(), st.text(max_size=6), st.sampled_from(["99:99", "7:5", "12"]))
schedule = st.fixed_dictionaries({
    "days": st.lists(st.sampled_from([*ALL_DAYS, "MON"]), max_size=7) | st.none()
    | st.just([None, "MONDAY"]),
    "timeRanges": st.one_of(st.none(), st.lists(st.one_of(st.none(), st.fixed_dictionaries(
        {"start": hhmm, "end": hhmm})), max_size=3)),
})
schedules = st.one_of(st.none(), st.lists(st.one_of(st.none(), schedule), max_size=3))
refs = (st.lists(st.integers(-1, 5), min_size=1, max_size=4)
        | st.lists(st.integers(0, 4), max_size=4) | st.none() | st.just([None, 1]))
pricing_rules = st.one_of(st.none(), st.fixed_dictionaries({}, optional={
    "timeSpecificPricingRules": st.lists(st.fixed_dictionaries({
        "timeSpecificPrice": number, "basePrice": number, "schedule": schedules}), max_size=3),
    "sizeSpecificPricingGuid": guid,
}), st.fixed_dictionaries({}, optional={
    "timeSpecificPricingRules": st.one_of(st.none(), st.lists(st.one_of(
        st.none(), st.fixed_dictionaries({"timeSpecificPrice": number, "basePrice": number,
                                          "schedule": schedules})), max_size=3)),
    "sizeSpecificPricingGuid": st.one_of(st.none(), guid),
    "sizeSequencePricingRules": st.one_of(st.none(), st.lists(st.fixed_dictionaries({
        "sizeName": text, "sizeGuid": st.one_of(st.none(), guid),
        "sequencePrices": st.one_of(st.none(), st.lists(st.fixed_dictionaries(
            {"sequence": st.one_of(st.none(), st.integers(-3, 5)), "price": number}),
            max_size=3))}), max_size=3)),
}))
menu_item = st.fixed_dictionaries({
    "name": text, "guid": st.one_of(st.none(), guid), "visibility": visibility, "price": number,
    "pricingStrategy": strategy, "pricingRules": pricing_rules, "modifierGroupReferences": refs,
}, optional={
    "description": text,
    "image": text, "images": st.one_of(st.none(), st.lists(text, max_size=2)),
    "itemTags": st.one_of(st.none(), st.lists(st.one_of(st.none(), st.fixed_dictionaries(
        {"name": text, "guid": text})), max_size=2)),
    "calories": number,
    "contentAdvisories": st.one_of(st.none(), st.fixed_dictionaries({"alcohol": st.one_of(
        st.none(), st.fixed_dictionaries({"containsAlcohol": st.sampled_from(
            ["YES", "NO", None, True, False])}))})),
    "salesCategory": st.none(), "sortOrder": number,
})


@st.composite
def menu_groups(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    children = (draw(st.lists(menu_groups(depth + 1), max_size=2)) if depth < 3
                and draw(st.booleans()) else draw(st.sampled_from([[], None])))
    return {"name": draw(text), "guid": draw(st.one_of(st.none(), guid)),
            "visibility": draw(visibility),
            "menuItems": draw(st.lists(st.one_of(menu_item, menu_item, st.none()), min_size=1,
                                       max_size=4) | st.sampled_from([[], None])),
            "menuGroups": children}


menu_doc = st.fixed_dictionaries({
    "name": text, "guid": st.one_of(st.none(), guid), "visibility": visibility,
    "availability": st.one_of(st.none(), st.fixed_dictionaries(
        {"alwaysAvailable": st.one_of(st.none(), st.booleans()), "schedule": schedules})),
    "menuGroups": st.lists(st.one_of(menu_groups(), menu_groups(), st.none()), min_size=1,
                           max_size=3),
})
modifier_group = st.fixed_dictionaries({
    "name": text, "guid": st.one_of(st.none(), guid), "visibility": visibility,
    "pricingStrategy": strategy, "pricingRules": pricing_rules,
    "modifierOptionReferences": refs,
}, optional={"preModifierGroupReference": st.one_of(st.none(), st.integers(0, 9))})
modifier_option = st.fixed_dictionaries({
    "name": text, "guid": st.one_of(st.none(), guid), "visibility": visibility,
    "price": number, "pricingStrategy": strategy, "pricingRules": pricing_rules,
}, optional={"salesCategory": st.none()})


def ref_map(values: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Mostly keys 0..4 all present (so references resolve), sometimes sparse or null."""
    full = st.lists(st.one_of(values, values, values, st.none()), min_size=5, max_size=5).map(
        lambda vs: {str(i): v for i, v in enumerate(vs)})
    sparse = st.dictionaries(st.integers(-1, 6).map(str), st.one_of(st.none(), values),
                             max_size=4)
    return st.one_of(full, full, sparse, st.none())


any_document = st.fixed_dictionaries({
    "restaurantTimeZone": st.one_of(text, st.sampled_from(
        ["America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "UTC", "Nope/Zone"])),
    "menus": st.lists(st.one_of(menu_doc, menu_doc, st.none()), min_size=1, max_size=3),
    "modifierGroupReferences": ref_map(modifier_group),
    "modifierOptionReferences": ref_map(modifier_option),
}, optional={"restaurantGuid": text, "lastUpdated": text})
moment = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1),
                      timezones=st.just(UTC))
stock_entry = st.builds(StockEntry, guid=st.one_of(st.none(), guid), status=st.sampled_from(
    ["OUT_OF_STOCK", "QUANTITY", "IN_STOCK", "ODD", None]), quantity=number.map(
        lambda n: float(n) if n is not None else None))
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=5),
              st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["menus", "menuGroups", "menuItems", "price", "name",
                                 "visibility", "modifierGroupReferences", "x"]), inner,
                                max_size=4)),
    max_leaves=12)

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(doc=any_document, now=moment, stock=st.lists(stock_entry, max_size=4),
       currency=st.sampled_from(["USD", "CAD", "EUR", "JPY", "", "zz"]))
def test_spec_shaped_menus_never_crash(doc: dict[str, Any], now: datetime,
                                       stock: list[StockEntry], currency: str) -> None:
    """Random spec-shaped menus flatten and render to consistent JSON, CSV, rows, XML, RSS
    and groups."""
    try:
        decoded = decode_menus(orjson.dumps(doc))
    except ToastBadResponse:
        return
    flat = flatten(decoded, now=now, currency=currency)
    rows = apply_stock(flat.rows, stock)
    assert len(rows) == len(flat.rows) == len(flat.row_menu) == len(flat.row_groups)
    assert flat.valid_until is None or flat.valid_until > now
    body = orjson.loads(render_menu_json({"guid": "r"}, flat.last_updated, "t", False, rows))
    assert len(body["items"]) == len(rows)
    raw = render_csv(rows, currency, escape_formulas=False).decode()
    records = list(csv.reader(io.StringIO(raw, newline="")))
    assert records[0] == list(ROW_FIELDS) and len(records) == len(rows) + 1
    assert [r[3] for r in records[1:]] == [one_line(i["name"]) for i in body["items"]]
    assert orjson.loads(render_rows(rows)) == body["items"]
    assert len(ET.fromstring(render_xml({}, "", "", False, rows, currency))) == len(rows)
    assert len(ET.fromstring(render_rss({}, "", rows, currency))[0].findall("item")) == len(rows)
    assert all(to_ascii(i["name"]).isascii() for i in body["items"])
    for row in body["items"]:
        assert (row["price"] is None) == (row["priceText"] == "")
    filters = Filters(available_now=True, hide_out_of_stock=True)
    assert len(apply_filters(flat, rows, filters, now)) <= len(rows)
    orjson.loads(render_groups_json({}, "", "", False, flat, rows))
    orjson.loads(render_stock_json({}, "", False, stock, flat))
    assert make_etag(orjson.dumps(body)).startswith('"')


@PROPERTY
@given(value=json_value)
def test_arbitrary_json_decodes_or_is_rejected(value: Any) -> None:
    """Any JSON value either decodes as a menus document (and flattens) or is a bad response."""
    try:
        decoded = decode_menus(orjson.dumps(value))
    except ToastBadResponse:
        return
    flatten(decoded, now=datetime(2025, 2, 17, tzinfo=UTC))


@PROPERTY
@given(data=st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_are_rejected(data: bytes) -> None:
    """Random bytes never escape as anything but ToastBadResponse, for menus and stock."""
    for decode in (decode_menus, decode_stock):
        with contextlib.suppress(ToastBadResponse):
            decode(data)


def test_out_of_range_number_is_a_bad_response() -> None:
    """A number beyond double range (1e999) is a bad response, not a crash or an infinite price."""
    body = b'{"menus": [{"menuGroups": [{"menuItems": [{"price": 1e999}]}]}]}'
    with pytest.raises(ToastBadResponse, match="price"):
        decode_menus(body)


def nested(depth: int) -> bytes:
    level = b'{"menuItems": [{"name": "x"}], "menuGroups": ['
    return b'{"menus": [{"menuGroups": [' + level * depth + b"]}" * depth + b"]}]}"


@pytest.mark.parametrize("depth", [65, 300, 400, 3000])
def test_deep_nesting_is_a_bad_response(depth: int) -> None:
    """Absurdly deep group nesting is refused as a bad response, never a RecursionError."""
    with pytest.raises(ToastBadResponse, match="deep"):
        flatten(decode_menus(nested(depth)), now=datetime(2025, 2, 17, tzinfo=UTC))


def test_reasonable_nesting_renders() -> None:
    """Sixty-four levels of groups flatten and render as nested groups."""
    flat = flatten(decode_menus(nested(64)), now=datetime(2025, 2, 17, tzinfo=UTC))
    assert len(flat.rows) == 64
    assert render_groups_json({}, "", "", False, flat, flat.rows).count(b'"groups"') == 65


@st.composite
def rich_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Spec-shaped menus whose references resolve, so sizes, modifiers and time prices occur."""
    price = st.one_of(st.sampled_from([0.0, 1.5, 4.25, 12.0]), number)
    when = st.lists(st.builds(lambda d, s, e: schedule_json(d, (s, e)),
                              st.lists(st.sampled_from(ALL_DAYS), min_size=1, max_size=3),
                              st.sampled_from(_TIMES), st.sampled_from(_TIMES)),
                    min_size=1, max_size=2)
    time_rules = st.lists(st.builds(lambda p, b, s: {"timeSpecificPrice": p, "basePrice": b,
                                                      "schedule": s}, price, price, when),
                          min_size=1, max_size=2)
    options = [option(i, f"o{i}", draw(price), strategy=draw(strategy) or "GROUP_PRICE",
                      visibility=draw(visibility),
                      pricing_rules=draw(st.one_of(st.none(), st.builds(
                          lambda t, g: rules(time=t, size_guid=g), time_rules, guid))))
               for i in range(6)]
    groups = [mod_group(i, f"g{i}", draw(st.lists(st.integers(0, 6), max_size=4)),
                        strategy=draw(strategy) or "NONE", visibility=draw(visibility),
                        group_guid=GUIDS[i % 3],
                        pricing_rules=draw(st.one_of(st.none(), st.builds(
                            lambda ps, g: rules(size_guid=g, size_seq=[
                                seq_rule(None, *ps[:2]), seq_rule("L", *ps[1:])]),
                            st.lists(st.floats(-5, 5), min_size=2, max_size=3), guid))))
              for i in range(4)]

    def an_item(n: int) -> dict[str, Any]:
        return item(f"i{n}", draw(price), strategy=draw(strategy), visibility=draw(visibility),
                    mods=draw(st.lists(st.integers(0, 4), max_size=3)),
                    pricing_rules=draw(st.one_of(st.none(), st.builds(
                        lambda t, g: rules(time=t, size_guid=g), time_rules, guid))))

    menus = [menu(f"m{m}", [group(f"g{m}{g}", [an_item(k) for k in range(draw(st.integers(1, 3)))],
                                   [group("child", [an_item(9)], visibility=draw(visibility))],
                                   visibility=draw(visibility))
                             for g in range(draw(st.integers(1, 2)))],
                  visibility=draw(visibility))
             for m in range(draw(st.integers(1, 2)))]
    return document(menus, groups=groups, options=options,
                    tz=draw(st.sampled_from(["America/New_York", "Australia/Lord_Howe", "UTC"])))


@PROPERTY
@given(doc=rich_documents(), now=moment)
def test_rich_menus_never_crash_and_stay_consistent(doc: dict[str, Any], now: datetime) -> None:
    """Resolving menus render consistently; valid_until is after now and prices are finite."""
    flat = flatten(decode_menus(orjson.dumps(doc)), now=now)
    assert flat.valid_until is None or flat.valid_until > now
    body = orjson.loads(render_menu_json({}, "", "", False, flat.rows))
    raw = render_csv(flat.rows, escape_formulas=False).decode()
    records = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(records) == len(body["items"]) + 1
    for row, record in zip(body["items"], records[1:], strict=True):
        assert record[7] == ("" if row["price"] is None else str(row["price"]))
        assert all(s["price"] is None or isinstance(s["price"], float) for s in row["sizes"])
