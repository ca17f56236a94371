"""The board's layout in a real headless Chromium: each template at each screen size,
the default daypart, the JS rules agreeing with app/board/layout.py, offline start."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.board.layout import NAME_FLOOR, balance, name_floor, next_opening, pack
from app.board.options import CALORIE_STATEMENTS
from app.menu.availability import compile_schedules, is_available, to_local, zone
from app.menu.flatten import MenuInfo, flatten
from app.menu.model import decode_menus
from app.sim.sample import harbor_lights_menus
from tests.support.board import KEY, board_url, menu_rows, open_board, relay_env
from tests.support.browser import chromium
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration

SIZES = [(1280, 720), (1920, 1080), (1080, 1920), (3840, 2160)]
TEMPLATES = ["columns", "list", "feature"]

# Everything the layout checks need from the page shown now, in one round trip.
CHECK_JS = """
const vw = innerWidth, vh = innerHeight;
const box = document.getElementById('board').getBoundingClientRect();
const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const rect = e => {
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const items = [...document.querySelectorAll('#board .item')].filter(shown);
const heads = [...document.querySelectorAll('#board h2')].filter(shown);
const outside = items.concat(heads).filter(e => { const r = e.getBoundingClientRect();
  return r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1
    || r.bottom > box.bottom + 1; }).map(e => e.dataset.guid || e.textContent);
const blocks = items.concat(heads).map(rect), overlaps = [];
for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) {
  const a = blocks[i], b = blocks[j];
  if (a[0] < b[2] - 1 && b[0] < a[2] - 1 && a[1] < b[3] - 1 && b[1] < a[3] - 1) {
    overlaps.push([i, j]); }
}
const clipped = [...document.querySelectorAll('#board .name, #board .price, #board .desc, '
  + '#board .sizes, #board h2, #head h1, #foot span')].filter(shown)
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.textContent);
const cols = [...document.querySelectorAll('#content .pg:not([hidden]) .col')];
const tops = cols.map(c => { const s = c.firstElementChild, h = s && s.firstElementChild;
  return h && h.tagName === 'H2' ? (h.dataset.continued || 'start') : 'none'; });
const orphans = [...document.querySelectorAll('#content .col section')]
  .filter(s => !s.querySelector('.item')).length;
const priceEdges = cols.map(c => [...c.querySelectorAll('.price')].filter(shown)
  .map(p => Math.round(p.getBoundingClientRect().right)));
const size = sel => [...document.querySelectorAll(sel)].filter(shown)
  .map(e => parseFloat(getComputedStyle(e).fontSize));
const st = document.getElementById('statement');
return {vw, vh, box: rect(document.getElementById('board')), count: items.length, outside,
  overlaps, clipped, tops, orphans, priceEdges, names: size('#content .name'),
  descs: size('#content .desc, #content .sizes, #content .meta'),
  statement: st && shown(st) ? [st.textContent, rect(st)] : null,
  scroll: [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight],
  pages: window.__board.pages, guids: items.map(e => e.dataset.guid)};
"""


def check(driver: Any) -> dict[str, Any]:
    out: dict[str, Any] = driver.execute_script(CHECK_JS)
    return out


def assert_page_is_laid_out(lay: dict[str, Any], where: str) -> None:
    """The shared layout checks for the page on screen."""
    assert lay["scroll"] == [lay["vw"], lay["vh"]], where
    assert lay["count"] > 0, where
    assert lay["outside"] == [], f"cut at the board's edge: {where}"
    assert lay["overlaps"] == [], f"overlapping: {where}"
    assert lay["clipped"] == [], f"clipped text: {where}"
    assert lay["tops"] and all(t in ("start", "true") for t in lay["tops"]), where
    assert lay["orphans"] == 0, f"a heading without items: {where}"
    for edges in lay["priceEdges"]:
        assert edges and max(edges) - min(edges) <= 1, f"prices not aligned: {where}"


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_template_lays_out_at_every_size(stack: tuple[str, str], template: str,
                                               width: int, height: int) -> None:
    """Every item of the lunch menu is shown whole on some page; nothing overlaps or is
    clipped; each column starts with a heading (continued ones marked); no heading alone;
    prices aligned per column; names at the floor for the count, details at 60 % of names;
    the calorie statement visible."""
    url, _ = stack
    rows = menu_rows(url, menu="Lunch")
    with chromium(width, height) as driver:
        open_board(driver, board_url(url, menu="Lunch", available="all", template=template,
                                     calories="us", images="true"))
        seen: list[str] = []
        pages = check(driver)["pages"]
        for page in range(pages):
            driver.execute_script("window.__board.show(arguments[0])", page)
            lay = check(driver)
            where = f"{template} {width}x{height} page {page + 1}/{pages}"
            assert_page_is_laid_out(lay, where)
            seen += lay["guids"]
            floor = name_floor(len(rows), width, height) * height / 100
            assert min(lay["names"]) >= floor - 0.05, where
            assert min(lay["descs"]) >= 0.6 * floor - 0.05, where
            assert lay["statement"] and lay["statement"][0] == CALORIE_STATEMENTS["us"]
            left, top, right, bottom = lay["statement"][1]
            assert left >= 0 and right <= width and top >= 0 and bottom <= height
        assert set(seen) == {r["guid"] for r in rows}, template  # cards show on every page


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920)])
def test_a_long_menu_stays_at_or_above_todays_floor(stack: tuple[str, str], width: int,
                                                    height: int) -> None:
    """The whole sample (over 40 items): names at least 1.5 % of the height, checks pass."""
    url, _ = stack
    with chromium(width, height) as driver:
        open_board(driver, board_url(url, available="all"))
        lay = check(driver)
        assert_page_is_laid_out(lay, f"{width}x{height}")
        assert min(lay["names"]) >= NAME_FLOOR / 100 * height - 0.05


def sample_menus() -> list[MenuInfo]:
    return list(flatten(decode_menus(orjson.dumps(harbor_lights_menus())),
                        now=datetime.now(UTC)).menus)


def open_menus_now() -> tuple[list[str], list[str]]:
    """The sample's menus open and closed at this moment in its time zone."""
    restaurant_zone = zone("America/New_York")
    local = to_local(datetime.now(UTC), restaurant_zone)
    soon = to_local(datetime.now(UTC) + timedelta(minutes=2), restaurant_zone)
    open_: list[str] = []
    closed: list[str] = []
    for m in sample_menus():
        now_open = is_available(m.availability, local)
        if now_open != is_available(m.availability, soon):
            pytest.skip("a daypart boundary is two minutes away")
        (open_ if now_open else closed).append(m.name or "")
    return open_, closed


def test_by_default_the_board_shows_only_menus_open_now(stack: tuple[str, str]) -> None:
    """With no options a menu closed now is not on the board (unless, with none open, it is
    the next to open); available=all shows it; the JSON feed stays complete."""
    url, _ = stack
    open_, closed = open_menus_now()
    if not open_:  # the board then shows the next menu to open: pick another closed one
        closed = [name for name in closed if name != next_to_open(closed)]
    if not closed:
        pytest.skip("no menu is open and only the next to open is closed")
    shown = {r["guid"] for name in open_ for r in menu_rows(url, menu=name)}
    # An item can be on several menus: only those on no open menu must be missing.
    missing = {r["guid"] for r in menu_rows(url, menu=closed[0])} - shown
    assert missing
    assert missing <= {r["guid"] for r in menu_rows(url)}
    visible = ("return [...document.querySelectorAll('#content section:not([hidden]) .item')]"
               ".map(e => e.dataset.guid)")
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url))
        assert missing.isdisjoint(driver.execute_script(visible))
        open_board(driver, board_url(url, available="all"))
        assert missing <= set(driver.execute_script(visible))


def test_the_script_follows_the_reference_layout_rules(stack: tuple[str, str]) -> None:
    """board.js packs, balances and finds the next menu exactly as app/board/layout.py does,
    on random groups and schedules."""
    url, _ = stack
    rng = random.Random(21)
    monday = datetime(2025, 3, 3)
    with chromium(1280, 720) as driver:
        open_board(driver, board_url(url))
        for _ in range(60):
            groups = [(rng.uniform(10, 40), rng.uniform(10, 40),
                       [rng.uniform(5, 120) for _ in range(rng.randint(0, 9))])
                      for _ in range(rng.randint(1, 6))]
            height, columns = rng.uniform(60, 400), rng.randint(1, 4)
            js = driver.execute_script(
                "const [g, h, n] = arguments; return [window.__board.pack(g, h),"
                " window.__board.balance(g, h, n)]", groups, height, columns)
            assert js[0] == [[list(s) for s in c] for c in pack(groups, height)]
            assert js[1] == pytest.approx(balance(groups, height, columns))
            windows = [None if rng.random() < 0.2 else
                       [(rng.randrange(7), rng.randrange(0, 86400, 900),
                         rng.randrange(0, 86400, 900)) for _ in range(rng.randint(0, 3))]
                       for _ in range(rng.randint(1, 4))]
            day, second = rng.randrange(7), rng.randrange(86400)
            local = monday + timedelta(days=day, seconds=second)
            expected = next_opening(windows, local)
            got = driver.execute_script("return window.__board.nextOpen(arguments[0], "
                                        "arguments[1], arguments[2])", windows, day, second)
            if expected is None:
                assert got is None
            else:
                midnight = local.replace(hour=0, minute=0, second=0)
                assert got == [expected[0], (expected[1] - midnight).total_seconds()]


def next_to_open(names: list[str]) -> str | None:
    """Of the sample's menus named ``names``, the one that opens next (board.js's rule)."""
    menus = [m for m in sample_menus() if m.name in names]
    local = to_local(datetime.now(UTC), zone("America/New_York")).replace(tzinfo=None)
    upcoming = next_opening([compile_schedules(m.availability.schedule)
                             if m.availability and m.availability.schedule else None
                             for m in menus], local)
    return menus[upcoming[0]].name if upcoming else None


def test_with_no_menu_open_the_next_menu_shows_with_its_start(stack: tuple[str, str]) -> None:
    """A selection of menus that are all closed shows the next to open, and when."""
    url, _ = stack
    _, closed = open_menus_now()
    menus = [m for m in sample_menus() if m.name in closed]
    local = to_local(datetime.now(UTC), zone("America/New_York")).replace(tzinfo=None)
    upcoming = next_opening([compile_schedules(m.availability.schedule)
                             if m.availability and m.availability.schedule else None
                             for m in menus], local)
    assert upcoming is not None
    query = "&".join(f"menu={m.name}" for m in menus)
    with chromium(1920, 1080) as driver:
        open_board(driver, f"{url}/board/harbor?key={KEY}&{query}")
        when = driver.execute_script("return document.getElementById('when').textContent")
        assert when.startswith(f"{menus[upcoming[0]].name} from ")
        shown = driver.execute_script("return [...new Set([...document.querySelectorAll("
                                      "'#content section:not([hidden])')].map(s => "
                                      "s.dataset.menu))]")
        assert len(shown) == 1 and check(driver)["count"] > 0


def test_a_board_comes_up_while_the_relay_is_down(stack: tuple[str, str],
                                                  tmp_path: Path) -> None:
    """Opened once from localhost, the board registers its service worker; with the relay
    stopped, loading the page again still shows the menu (and the staleness note later)."""
    _, sim_url = stack
    with running_stack(tmp_path, sim_url=sim_url, env_for=relay_env) as running:
        relay, url = running.relay, running.url
        target = board_url(url, available="all", refresh="2")
        with chromium(1920, 1080) as driver:
            open_board(driver, target)
            wait_for(lambda: driver.execute_script("return window.__board.offline"), 60,
                     "the service worker and the cached page")
            count = check(driver)["count"]
            relay.stop()
            driver.get(target)
            wait_for(lambda: driver.execute_script(
                "return window.__board && window.__board.scale"), 60, "the board offline")
            lay = check(driver)
            assert lay["count"] == count and lay["outside"] == []
            wait_for(lambda: driver.execute_script(
                "return !document.getElementById('note').hidden"), 90, "the staleness note")
