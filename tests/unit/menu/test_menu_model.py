"""Decoding Toast's menus and stock answers: lenient with nulls, strict about shape."""

from __future__ import annotations

import orjson
import pytest

from app.errors import ToastBadResponse
from app.menu.model import decode_menus, decode_stock, is_visible
from tests.support.menu_docs import EXAMPLE, item, one_item_doc


def test_example_decodes() -> None:
    """The spec-valid example decodes with its menus and reference maps."""
    doc = decode_menus(EXAMPLE.read_bytes())
    assert doc.restaurantTimeZone == "America/New_York"
    assert doc.menus is not None and len(doc.menus) == 1
    assert sorted((doc.modifierGroupReferences or {}).keys()) == ["1", "2", "3"]


@pytest.mark.parametrize(("body", "fragment"), [
    (b"", "not valid JSON"),
    (b"{", "not valid JSON"),
    (b"<html>502 Bad Gateway</html>", "not valid JSON"),
    (b"[]", "unexpected shape"),
    (b"null", "unexpected shape"),
    (b'{"menus": {}}', "unexpected shape"),
    (b'{"menus": [{"name": 5}]}', "unexpected shape"),
    (b'{"menus": [{"menuGroups": [{"menuItems": [{"price": "4.25"}]}]}]}', "unexpected shape"),
    (b'{"modifierGroupReferences": []}', "unexpected shape"),
])
def test_bad_menus_raise_bad_response(body: bytes, fragment: str) -> None:
    """Malformed JSON and wrong shapes become ToastBadResponse naming the problem."""
    with pytest.raises(ToastBadResponse) as caught:
        decode_menus(body)
    assert fragment in caught.value.detail
    assert caught.value.detail.startswith("Toast /menus answer")


def test_wrong_shape_message_names_the_path() -> None:
    """The shape error says where in the document the problem is."""
    with pytest.raises(ToastBadResponse, match=r"\$\.menus\[0\]\.name"):
        decode_menus(b'{"menus": [{"name": 5}]}')


def test_documented_nulls_are_tolerated() -> None:
    """Nulls Toast documents (salesCategory, containsAlcohol, premodifier ref, price) decode."""
    it = item("A", None, salesCategory=None, pricingRules=None,
              contentAdvisories={"alcohol": {"containsAlcohol": None}})
    doc = one_item_doc(it, groups=[{"referenceId": 2, "name": "G", "guid": "g",
                                    "preModifierGroupReference": None, "pricingStrategy": "ODD",
                                    "modifierOptionReferences": [None]}])
    decoded = decode_menus(orjson.dumps(doc))
    assert decoded.modifierGroupReferences is not None
    assert decoded.modifierGroupReferences["2"] is not None
    assert decoded.modifierGroupReferences["2"].pricingStrategy == "ODD"


def test_missing_keys_default() -> None:
    """An object with none of the expected keys still decodes, with empty defaults."""
    doc = decode_menus(b'{"menus": [{"menuGroups": [{"menuItems": [{}]}]}], "extra": 1}')
    assert doc.menus and doc.menus[0] and doc.menus[0].menuGroups
    group = doc.menus[0].menuGroups[0]
    assert group is not None and group.menuItems and group.menuItems[0] is not None
    assert (group.menuItems[0].name, group.menuItems[0].price) == (None, None)


def test_integer_prices_decode_as_numbers() -> None:
    """JSON integers are accepted where Toast documents doubles."""
    doc = decode_menus(b'{"menus": [{"menuGroups": [{"menuItems": [{"price": 4}]}]}]}')
    assert doc.menus and doc.menus[0] and doc.menus[0].menuGroups
    group = doc.menus[0].menuGroups[0]
    assert group and group.menuItems and group.menuItems[0]
    assert group.menuItems[0].price == 4.0


@pytest.mark.parametrize(("visibility", "visible"), [
    (["POS"], True), ([], False), (None, True), (["GRUBHUB"], True),
])
def test_is_visible(visibility: list[str | None] | None, visible: bool) -> None:
    """Only an empty visibility array hides an entity."""
    assert is_visible(visibility) is visible


def test_decode_stock() -> None:
    """Stock entries decode with status, quantity and multiLocationId; null entries dropped."""
    body = orjson.dumps([
        {"guid": "a", "itemGuidValidity": "VALID", "status": "OUT_OF_STOCK", "quantity": None,
         "multiLocationId": "1", "versionId": None},
        {"guid": "b", "status": "QUANTITY", "quantity": 3},
        None,
    ])
    entries = decode_stock(body)
    assert [(e.guid, e.status, e.quantity, e.multiLocationId) for e in entries] == [
        ("a", "OUT_OF_STOCK", None, "1"), ("b", "QUANTITY", 3.0, None)]


@pytest.mark.parametrize(("body", "fragment"), [
    (b"nope", "Toast /stock answer is not valid JSON"),
    (b'{"guid": "a"}', "Toast /stock answer has an unexpected shape"),
    (b'[{"quantity": "many"}]', "Toast /stock answer has an unexpected shape"),
])
def test_bad_stock_raises_bad_response(body: bytes, fragment: str) -> None:
    """Malformed stock answers become ToastBadResponse naming the problem."""
    with pytest.raises(ToastBadResponse, match=fragment):
        decode_stock(body)
