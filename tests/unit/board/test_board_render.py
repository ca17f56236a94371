"""Board HTML: escaping of Toast's text, the DOM contract, stock marks, dayparts, size."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import msgspec
import orjson
import pytest

from app.board.options import BoardOptions
from app.board.render import guid_table, item_guids, render_content, render_page, select
from app.menu.filters import Filters
from app.menu.flatten import FlatMenu, flatten
from app.menu.model import StockEntry, decode_menus
from app.menu.render import make_etag
from app.menu.rows import Row
from app.menu.stock import apply_stock
from app.sim.sample import harbor_lights_menus
from tests.support.menu_docs import (
    WEEKDAYS,
    decode,
    document,
    group,
    item,
    menu,
    mod_group,
    option,
    rules,
    schedule,
)

NOW = datetime(2025, 3, 3, 13, 0, tzinfo=UTC)  # a Monday, 08:00 in New York
EVIL = '<script>alert("x")</script>'


def board_flat() -> FlatMenu:
    size = mod_group(1, "Size", [10, 11])
    breakfast = menu("Breakfast", [group("Eggs", [
        item(EVIL, 9.0, guid="evil", description='"><img src=x onerror=alert(1)>'),
        item("Omelette", 8.0, guid="omelette", calories=500,
             itemTags=[{"name": "Vegetarian", "guid": "t1"}]),
    ])], availability={"alwaysAvailable": False,
                       "schedule": [schedule(WEEKDAYS, ("06:00", "11:00"))]})
    lunch = menu("Lunch", [group("Sides <b>", [
        item("Fries", None, guid="fries", strategy="SIZE_PRICE",
             pricing_rules=rules(size_guid=size["guid"]), mods=[1]),
        item("Soup", 6.0, guid="soup"),
        item("Pie", 5.0, guid="pie", image="https://img.example/pie.jpg"),
    ])], availability={"alwaysAvailable": False,
                       "schedule": [schedule(WEEKDAYS, ("11:00", "15:00"))]})
    doc = document([breakfast, lunch], groups=[size],
                   options=[option(10, "Small", 3.0), option(11, "Large", 4.5)])
    return flatten(decode(doc), now=NOW)


STOCK = [StockEntry(guid="soup", status="OUT_OF_STOCK"),
         StockEntry(guid="fries", status="QUANTITY", quantity=3)]


NO_FILTERS = Filters()
DEFAULTS = BoardOptions()


def content(filters: Filters = NO_FILTERS, o: BoardOptions = DEFAULTS) -> str:
    flat = board_flat()
    rows: list[Row] = apply_stock(flat.rows, STOCK)
    data = select("Harbor & Co", "USD", flat, rows, filters, NOW, fetched_at=1.0,
                  changed_at=2.0, stale=False)
    return render_content(data, o).decode()


def test_toast_text_is_escaped() -> None:
    """Item names, descriptions and group names from Toast cannot inject markup."""
    html = content()
    assert "<script>" not in html and "<img src=x" not in html and "Sides <b>" not in html
    assert "&lt;script&gt;" in html and "Sides &lt;b&gt;" in html


def test_nul_and_esc_never_reach_the_board_raw() -> None:
    """NUL, ESC and other control characters in Toast text never reach the board's HTML."""
    text = "Bad\x00Name \x1b[31mred\x07\x7f\x9b"
    doc = document([menu(text, [group(text, [item(text, 4.0, guid="x", description=text)])])])
    flat = flatten(decode(doc), now=NOW)
    data = select(text, "USD", flat, flat.rows, NO_FILTERS, NOW, fetched_at=1.0,
                  changed_at=2.0, stale=False)
    fragment = render_content(data, DEFAULTS)
    page = render_page(text, DEFAULTS, fragment, make_etag(fragment))
    for html in (fragment, page):
        assert not any(c in html for c in b"\x00\x1b\x07\x7f"), html[:200]
        assert "\x9b" not in html.decode() and b"BadName [31mred" in html


def test_dom_contract() -> None:
    """Each item has data-guid, sold-out items data-sold-out="true", sections data-group."""
    html = content()
    assert re.findall(r'data-guid="([^"]+)"', html) == ["evil", "omelette", "fries", "soup",
                                                        "pie"]
    assert re.findall(r'data-guid="([^"]+)" data-sold-out="true"', html) == ["soup"]
    assert re.findall(r'<section data-group="([^"]+)"', html) == ["Eggs", "Sides &lt;b&gt;"]


def test_stock_marks_and_sizes() -> None:
    """Sold out says so; a QUANTITY item at or under 5 says "Only N left"; sizes on one line."""
    html = content()
    assert "Sold out" in html and "Only 3 left" in html
    assert "Small $3.00 · Large $4.50" in html
    assert "<u>500<span" in html and "Vegetarian" in html  # the script adds the unit


def test_hide_out_of_stock_removes_sold_out_items() -> None:
    """hide_out_of_stock=true leaves sold-out items off the board."""
    html = content(Filters(hide_out_of_stock=True))
    assert 'data-guid="soup"' not in html and "Sold out" not in html


def test_show_none_leaves_details_out() -> None:
    """show=none: names and prices only."""
    html = content(o=BoardOptions(show=()))
    assert "500 cal" not in html and "Omelette desc" not in html and "$8.00" in html


@pytest.mark.parametrize("filters", [NO_FILTERS, Filters(available_now=True)])
def test_by_default_the_board_ships_schedules_and_hides_closed_menus(filters: Filters) -> None:
    """The board's default (and available=now) renders every menu with its windows and
    names; closed ones start hidden."""
    html = content(filters)
    windows = json.loads(re.search(r'data-windows="([^"]+)"', html)[1]  # type: ignore[index]
                         .replace("&#34;", '"'))
    assert windows == [[[d, 6 * 3600, 11 * 3600] for d in range(5)],
                       [[d, 11 * 3600, 15 * 3600] for d in range(5)]]
    assert '<section data-group="Eggs" data-menu="0">' in html
    assert '<section data-group="Sides &lt;b&gt;" data-menu="1" hidden>' in html
    assert 'data-names="[&#34;Breakfast&#34;,&#34;Lunch&#34;]"' in html


def test_available_all_shows_every_menu() -> None:
    """available=all: every selected menu shows and no schedules are sent."""
    html = content(Filters(available_all=True))
    assert " hidden>" not in html and "data-windows" not in html


def test_with_no_menu_open_the_next_one_shows() -> None:
    """At 05:00 (nothing open) the board starts on breakfast, the next menu to open; at
    16:00 on Monday on Tuesday's breakfast; never an empty board."""
    flat = board_flat()
    for now, shown in ((datetime(2025, 3, 3, 10, 0, tzinfo=UTC), "Eggs"),
                       (datetime(2025, 3, 3, 21, 0, tzinfo=UTC), "Eggs")):
        data = select("x", "USD", flat, flat.rows, NO_FILTERS, now, fetched_at=1.0,
                      changed_at=2.0, stale=False)
        html = render_content(data, DEFAULTS).decode()
        visible = re.findall(r'<section data-group="([^"]+)" data-menu="\d">', html)
        assert visible == [shown], now


def test_images_go_through_the_relay() -> None:
    """images=true marks items with an image by the version of Toast's URL (the script
    links ../image/{restaurant}/{item}?v=...), and names the restaurant once."""
    html = content(o=BoardOptions(images=True))
    found = re.findall(r'data-img="([^"]+)"', html)
    assert len(found) == 1 and re.fullmatch(r"[0-9a-f]{12}", found[0])
    assert re.search(r'<div id="content"[^>]* data-restaurant="[0-9a-f-]{36}"', html)
    assert "img.example" not in html


def sample_page(o: BoardOptions = DEFAULTS) -> bytes:
    doc = decode_menus(orjson.dumps(harbor_lights_menus()))
    flat = flatten(doc, now=NOW)
    data = select("Harbor Lights Kitchen", "USD", flat, flat.rows, Filters(), NOW,
                  fetched_at=1.0, changed_at=2.0, stale=False)
    body = render_content(data, o)
    return render_page("Harbor Lights Kitchen", o, body, make_etag(body))


def test_sample_page_is_small_and_self_contained() -> None:
    """The sample board is under 60 KB and loads nothing from another origin."""
    page = sample_page(BoardOptions(images=True)).decode()
    assert len(page.encode()) <= 60_000
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "https://" not in page and "http://" not in page


def test_page_config_and_theme() -> None:
    """Options reach the page: theme, accent, stylesheet hook and the script's settings."""
    o = BoardOptions(theme="light", accent="#ff6600", css="/brand.css", refresh=5)
    page = sample_page(o).decode()
    assert '<html lang="en" data-theme="light" style="--accent: #ff6600">' in page
    assert '<link rel="stylesheet" href="/brand.css">' in page
    config = json.loads(re.search(r'<script id="board-config" type="application/json">'
                                  r"(.*?)</script>", page)[1])  # type: ignore[index]
    assert config["refresh"] == 5 and config["etag"].startswith('"')


@pytest.mark.parametrize(("calories", "statement", "kcal"), [
    ("us", "2,000 calories a day is used for general nutrition advice, but calorie needs vary",
     False),
    ("uk", "Adults need around 2000 kcal a day", True)])
def test_calorie_statement_in_the_footer(calories: str, statement: str, kcal: bool) -> None:
    """calories=us|uk puts the regulatory statement, word for word, in the footer; the
    script is told the unit (kcal for uk) and items carry the number."""
    o = BoardOptions(calories=calories)
    page = sample_page(o).decode()
    assert f'<span id="statement">{statement}</span>' in page
    config = json.loads(re.search(r'<script id="board-config" type="application/json">'
                                  r"(.*?)</script>", page)[1])  # type: ignore[index]
    assert config["kcal"] is kcal and "<u>500<span" in content(o=o)


def test_no_statement_without_calories_option() -> None:
    """Without calories= the footer has no statement (and stays hidden with no footer)."""
    page = sample_page().decode()
    assert 'id="statement"' not in page and '<footer id="foot" hidden>' in page


def test_dietary_tags_are_badges_with_a_legend() -> None:
    """Known dietary tags become short codes explained by the legend; highlights are marked
    as picks for the feature template."""
    html = content()
    assert '<span class="diet">V</span>' in html
    legend = re.search(r'data-legend="([^"]*)"', html)[1]  # type: ignore[index]
    assert json.loads(legend.replace("&#34;", '"')) == [["V", "Vegetarian"]]
    sample = sample_page().decode()
    assert 'data-pick="true"' in sample and '<span class="pick">Chef&#39;s Pick</span>' in sample


def test_brand_options_reach_the_page() -> None:
    """logo, footer and template reach the page; the footer text is escaped."""
    o = BoardOptions(logo="https://brand.example/logo.png", footer="<b>Open late</b>",
                     template="feature")
    page = sample_page(o).decode()
    assert '<img id="logo" alt="">' in page and '<body class="t-feature">' in page
    assert "&lt;b&gt;Open late&lt;/b&gt;" in page and '<div id="featured"></div>' in page
    config = json.loads(re.search(r'<script id="board-config" type="application/json">'
                                  r"(.*?)</script>", page)[1])  # type: ignore[index]
    assert config["logo"] == "https://brand.example/logo.png"
    assert config["template"] == "feature"


def test_feature_template_carries_images_without_images_option() -> None:
    """template=feature links item images (the featured cards show them) through /image."""
    html = content(o=BoardOptions(template="feature"))
    assert re.findall(r'<div data-guid="pie"[^>]* data-img="[0-9a-f]{12}"', html)


def test_items_are_sent_compact() -> None:
    """Each item is sent as name, bare price, sizes, description and meta in short tags
    (the script grows them into the DOM contract); no per-item class names."""
    html = content()
    assert ('<div data-guid="fries"><b>Fries</b>$3.00<small>Small $3.00 · Large $4.50</small>'
            "<p>Fries desc</p><em>Only 3 left</em></div>") in html
    assert 'class="item' not in html and 'class="name' not in html


def test_a_shared_closing_sentence_is_sent_once() -> None:
    """A closing sentence many descriptions share goes once into data-tails; each
    description keeps its own text in <i> (data-t: the sentence's index, none for the first)."""
    doc = decode_menus(orjson.dumps(harbor_lights_menus()))
    flat = flatten(doc, now=NOW)
    closing = "Served with your choice of side; ask your server about allergens."
    rows = [msgspec.structs.replace(r, description=f"Dish {i}. {closing}")
            for i, r in enumerate(flat.rows)]
    data = select("x", "USD", flat, rows, Filters(), NOW, fetched_at=1.0, changed_at=2.0,
                  stale=False)
    html = render_content(data, DEFAULTS).decode()
    assert html.count("Served with your choice") == 1
    assert 'data-tails="[&#34;Served with your choice of side; ask your server about ' \
           'allergens.&#34;]"' in html
    assert "<i>Dish 0.</i>" in html and "<p>" not in html


def test_toast_guids_are_sent_once_as_a_table() -> None:
    """With Toast's (UUID) GUIDs the items carry no data-guid: the content's data-guids has
    them all, in item order, and item_guids reads them back."""
    page = sample_page().decode()
    flat = flatten(decode_menus(orjson.dumps(harbor_lights_menus())), now=NOW)
    assert "<div data-guid=" not in page and ' data-guids="' in page
    assert item_guids(page) == [r.guid for r in flat.rows]
    assert guid_table(["evil", *[r.guid for r in flat.rows]]) == ""


def test_other_guids_stay_on_their_items() -> None:
    """A GUID the script could not rebuild from 16 bytes (not a lowercase UUID) keeps
    every item's own data-guid, and no table is sent."""
    html = content()
    assert "data-guids" not in html
    assert item_guids(html) == ["evil", "omelette", "fries", "soup", "pie"]
