"""Other shapes (rows, XML, RSS 2.0), ASCII folding and one-line CSV cells: pure functions."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import feedparser
import msgspec
import orjson
import pytest

from app.menu.render import render_csv, render_menu_json
from app.menu.rows import ROW_FIELDS, Row, Size
from app.menu.shapes import (
    field_text,
    item_title,
    render_pairs,
    render_rows,
    render_rss,
    render_xml,
    rss_date,
    xml_text,
)
from app.menu.text import ascii_row, one_line, to_ascii
from tests.support.menu_docs import RESTAURANT, example_rows

INFO = {"guid": "r-guid", "name": "Toast Diner", "timeZone": "America/New_York"}


def row(**kw: object) -> Row:
    base: dict[str, object] = dict(
        menu="Dinner", group="Desserts", groupPath="Desserts", name="Crème Brûlée",
        guid="g-1", description="Tahitian vanilla.", image=None, price=9.5, priceText="$9.50",
        sizes=[], tags=[], calories=450)
    base.update(kw)
    return msgspec.convert(base, Row)


@pytest.mark.parametrize(("text", "folded"), [
    ("Crème Brûlée", "Creme Brulee"),
    ("Jalapeño Poppers", "Jalapeno Poppers"),
    ("Straße", "Strasse"),
    ("Fish – Chips “house” …", 'Fish - Chips "house" ...'),
    ("€4.25", "EUR4.25"),
    ("🍔 Burger ™", "Burger TM"),
    ("plain", "plain"),
    ("", ""),
])
def test_to_ascii(text: str, folded: str) -> None:
    """to_ascii transliterates accents and punctuation and drops pictographs."""
    assert to_ascii(text) == folded
    assert to_ascii(text).isascii()


@pytest.mark.parametrize(("text", "flat"), [
    ("one\ntwo", "one two"),
    ("one\r\ntwo\r\n\r\nthree", "one two three"),
    ("a\u2028b\x85c\vd\fe", "a b c d e"),
    ("tab\tkept", "tab\tkept"),
])
def test_one_line(text: str, flat: str) -> None:
    """one_line turns each run of line breaks (any Unicode kind) into one space."""
    assert one_line(text) == flat


def test_ascii_row_folds_display_text_only() -> None:
    """ascii_row folds names, groups, sizes and tags but not GUIDs or image URLs."""
    r = ascii_row(row(name="Café Crème", image="https://x/é.png", guid="gé",
                      sizes=[Size(name="Pequeño", price=1.0)], tags=["Végétarien"],
                      modifiers="Add: Jalapeño +$1.00"))
    assert (r.name, r.sizes[0].name, r.tags, r.modifiers) == (
        "Cafe Creme", "Pequeno", ["Vegetarien"], "Add: Jalapeno +$1.00")
    assert (r.image, r.guid) == ("https://x/é.png", "gé")


def test_csv_cells_never_hold_a_line_break() -> None:
    """A description with line breaks gives one CSV line per row, the breaks as spaces."""
    rows = [row(description="Rich custard.\nTorched sugar.\r\nServed cold."),
            row(name='Say "cheese",\nplease', guid="g-2")]
    text = render_csv(rows).decode()
    lines = text.split("\r\n")
    assert len(lines) == 4 and lines[-1] == ""
    assert "\n" not in text.replace("\r\n", "")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert records[0]["description"] == "Rich custard. Torched sugar. Served cold."
    assert records[1]["name"] == 'Say "cheese", please'


def test_rows_is_the_items_array() -> None:
    """format=rows is exactly the JSON answer's items, as a top-level array."""
    rows = example_rows()
    items = orjson.loads(render_menu_json(RESTAURANT, "", "", False, rows))["items"]
    assert orjson.loads(render_rows(rows)) == items


def test_pairs_are_title_and_price() -> None:
    """format=pairs: one {title, value} per row, the value "Sold out" for sold-out items."""
    rows = [row(), row(outOfStock=True), row(priceText="", price=None)]
    assert orjson.loads(render_pairs(rows)) == [
        {"title": "Crème Brûlée", "value": "$9.50"}, {"title": "Crème Brûlée", "value": "Sold out"},
        {"title": "Crème Brûlée", "value": ""}]


def test_xml_has_one_item_per_row_with_every_field() -> None:
    """format=xml: <items> with restaurant attributes, one <item> per row, fields by name."""
    rows = example_rows()
    root = ET.fromstring(render_xml(INFO, "2025-02-15T12:30:00.000+0000", "2025-02-17T20:30:00Z",
                                    False, rows))
    assert root.tag == "items" and root.get("name") == "Toast Diner"
    assert root.get("stale") == "false" and root.get("lastUpdated")
    items = root.findall("item")
    assert len(items) == len(rows)
    for el, r in zip(items, rows, strict=True):
        assert [c.tag for c in el] == list(ROW_FIELDS)
        for name in ROW_FIELDS:
            assert (el.findtext(name) or "") == field_text(getattr(r, name))


def test_xml_escapes_markup_and_drops_forbidden_characters() -> None:
    """Markup in Toast text is escaped and XML-illegal control characters are dropped."""
    body = render_xml({**INFO, "name": 'A & "B"'}, "", "", True,
                      [row(name="<b>Fish</b> & Chips\x00\x1b\x01", description="x\ud800y")])
    root = ET.fromstring(body)
    assert root.get("name") == 'A & "B"'
    assert root.findtext("item/name") == "<b>Fish</b> & Chips"
    assert root.findtext("item/description") == "xy"


def test_field_text_matches_the_csv_conventions() -> None:
    """Lists join as in the CSV, booleans are true/false, null is empty."""
    assert field_text([Size(name="S", price=2.0), Size(name="L", price=None)]) == "S $2.00 | L"
    assert field_text(["Vegan", "Spicy"]) == "Vegan, Spicy"
    assert (field_text(True), field_text(None), field_text(450)) == ("true", "", "450")


def _rss_channel(body: bytes) -> ET.Element:
    """Parse strictly and check RSS 2.0's required elements (RSS 2.0 spec, 'Required channel
    elements' and 'Elements of <item>'); return the channel."""
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for required in ("title", "link", "description"):
        assert len(channel.findall(required)) == 1, required
    assert ":" in (channel.findtext("link") or "")  # an absolute URI
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        guids = item.findall("guid")
        assert len(guids) <= 1
    return channel


def test_rss_is_valid_rss_2() -> None:
    """format=rss parses strictly, has RSS 2.0's required elements and reads as rss20."""
    rows = example_rows()
    body = render_rss(INFO, "2025-02-15T12:30:00.000+0000", rows)
    channel = _rss_channel(body)
    assert len(channel.findall("item")) == len(rows)
    assert channel.findtext("lastBuildDate") == "Sat, 15 Feb 2025 12:30:00 +0000"
    feed = feedparser.parse(body)
    assert not feed.bozo and feed.version == "rss20"
    assert [e.title for e in feed.entries] == [item_title(r) for r in rows]


def test_rss_items_name_price_description_and_unique_guids() -> None:
    """Each entry: 'name - price' (sold out marked), description with sizes, unique ids."""
    rows = [row(sizes=[Size(name="Small", price=9.5)]), row(outOfStock=True),
            row(priceText="", price=None, guid="g-2", description="")]
    feed = feedparser.parse(render_rss(INFO, "not a date", rows))
    titles = [e.title for e in feed.entries]
    assert titles == ["Crème Brûlée - $9.50", "Crème Brûlée - $9.50 (sold out)", "Crème Brûlée"]
    assert feed.entries[0].summary == "Tahitian vanilla. Small $9.50"
    assert [e.id for e in feed.entries] == ["g-1", "g-1#2", "g-2"]
    assert "lastBuildDate" not in render_rss(INFO, "not a date", rows).decode()


def test_rss_date() -> None:
    """Toast's timestamps (with or without milliseconds) become RFC 822 dates."""
    assert rss_date("2025-02-15T12:30:00+0000") == "Sat, 15 Feb 2025 12:30:00 +0000"
    assert rss_date("") is None


def test_xml_text_escapes_quotes_for_attributes() -> None:
    """xml_text makes text safe in element content and in double-quoted attributes."""
    assert xml_text('a<b>&"c"') == "a&lt;b&gt;&amp;&quot;c&quot;"
