"""The board in a real headless Chromium against real relay and simulator processes."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.board import (
    KEY,
    board_url,
    layout,
    menu_rows,
    open_board,
    relay_env,
)
from tests.support.browser import chromium
from tests.support.stack import running_stack
from tests.support.waits import wait_for


def assert_no_scroll(lay: dict[str, Any]) -> None:
    assert lay["scrollW"] <= lay["vw"] and lay["scrollH"] <= lay["vh"] and lay["scrollY"] == 0
    left, top, right, bottom = lay["box"]
    assert left >= 0 and top >= 0 and right <= lay["vw"] and bottom <= lay["vh"]


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920), (3840, 2160)])
def test_sample_board_fits_every_screen(stack: tuple[str, str], width: int,
                                        height: int) -> None:
    """No scrolling; every item shows whole (on one screen, or page by page in portrait);
    prices are the JSON's priceText in order; sold-out items are marked."""
    url, _ = stack
    rows = menu_rows(url)
    with chromium(width, height) as driver:
        open_board(driver, board_url(url, available="all"))
        lay = layout(driver)
        assert lay["count"] == len(rows)
        assert lay["minName"] >= 0.015 * height - 0.01
        if width > height:
            assert lay["pages"] == 1
        seen: set[int] = set()
        for page in range(lay["pages"]):
            driver.execute_script("window.__board.show(arguments[0])", page)
            lay = layout(driver)
            assert_no_scroll(lay)
            assert lay["cut"] == [], f"items cut on page {page}"
            seen.update(lay["whole"])
        assert seen == set(range(len(rows)))
        shown = driver.execute_script("""return [...document.querySelectorAll('.item')].map(
            e => [e.dataset.guid, e.querySelector('.price').textContent,
                  e.dataset.soldOut === 'true'])""")
        assert shown == [[r["guid"], r["priceText"], r["outOfStock"]] for r in rows]
        sold = driver.execute_script("""const e = document.querySelector('[data-sold-out=true]');
            return [getComputedStyle(e).opacity,
                    getComputedStyle(e.querySelector('.name')).textDecorationLine,
                    e.textContent]""")
        assert float(sold[0]) < 1 and "line-through" in sold[1] and "Sold out" in sold[2]


def test_a_48_item_selection_of_the_large_menu_fits_one_screen(stack: tuple[str, str]) -> None:
    """A group of the 3,000-item menu (48 items) fits one 1080p screen at a readable size."""
    url, _ = stack
    params = {"group": "Breakfast Section 1"}
    assert len(menu_rows(url, "large", **params)) >= 45
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, "large", group="Breakfast%20Section%201",
                                     available="all"))
        lay = layout(driver)
        assert lay["pages"] == 1 and lay["cut"] == [] and len(lay["whole"]) == lay["count"]
        assert lay["count"] >= 45 and lay["minName"] >= 0.015 * 1080 - 0.01
        assert_no_scroll(lay)


def test_the_3000_item_menu_pages_without_overflow(stack: tuple[str, str]) -> None:
    """The whole large menu rotates through pages; no page scrolls or cuts an item."""
    url, _ = stack
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, "large", page_seconds="3600", available="all"))
        lay = layout(driver)
        assert lay["count"] == 3000 and lay["pages"] > 5
        assert lay["minName"] >= 0.015 * 1080 - 0.01
        for page in (0, 1, lay["pages"] // 2, lay["pages"] - 1):
            driver.execute_script("window.__board.show(arguments[0])", page)
            lay = layout(driver)
            assert_no_scroll(lay)
            assert lay["cut"] == [] and lay["whole"], f"page {page}"


def price_of(driver: Any, guid: str) -> str:
    text: str = driver.execute_script(
        "const e = document.querySelector(`[data-guid='${arguments[0]}'] .price`);"
        "return e ? e.textContent : ''", guid)
    return text


def test_a_published_price_appears_without_a_reload(stack: tuple[str, str]) -> None:
    """A price published in Toast shows on the open board in place (no page load)."""
    url, sim_url = stack
    row = next(r for r in menu_rows(url) if r["name"] == "Harbor Burger")
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, refresh="2"))
        driver.execute_script("window.__marker = 'same page'")
        httpx.post(f"{sim_url}/_sim/publish/{SAMPLE_RESTAURANT_GUID}",
                   json={"itemGuid": row["guid"], "price": 17.25}, timeout=30)
        wait_for(lambda: price_of(driver, row["guid"]) == "$17.25", 60, "the new price")
        assert driver.execute_script("return window.__marker") == "same page"
        assert driver.execute_script("return window.__board.updates") >= 1


def test_a_pushed_change_arrives_without_polling(stack: tuple[str, str]) -> None:
    """With /events (server-sent events) the board updates although it polls only hourly."""
    url, sim_url = stack
    with httpx.stream("GET", f"{url}/events/harbor", params={"key": KEY}, timeout=10) as r:
        if r.status_code == 404:
            pytest.skip("this relay has no /events push channel")
        assert r.headers["content-type"].startswith("text/event-stream")
    row = next(r for r in menu_rows(url) if r["name"] == "Grilled Chicken Club")
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, refresh="3600"))
        httpx.post(f"{sim_url}/_sim/publish/{SAMPLE_RESTAURANT_GUID}",
                   json={"itemGuid": row["guid"], "price": 15.75}, timeout=30)
        wait_for(lambda: price_of(driver, row["guid"]) == "$15.75", 60, "the pushed price")


def test_relay_stopped_content_stays_then_updates_resume(
        stack: tuple[str, str], tmp_path: Path) -> None:
    """Relay down: the menu stays and a discreet note appears; relay back: updates resume."""
    _, sim_url = stack
    with running_stack(tmp_path, sim_url=sim_url, env_for=relay_env) as running:
        relay, url = running.relay, running.url
        row = next(r for r in menu_rows(url) if r["name"] == "Fish Tacos")
        port = int(url.rsplit(":", 1)[1])
        with chromium(1920, 1080) as driver:
            open_board(driver, board_url(url, refresh="2"))
            count = layout(driver)["count"]
            relay.stop()
            wait_for(lambda: driver.execute_script("return window.__board.fails") >= 2, 60,
                     "failed checks")
            assert layout(driver)["count"] == count
            wait_for(lambda: driver.execute_script(
                "return !document.getElementById('note').hidden"), 90, "the staleness note")
            assert "Menu as of" in driver.execute_script(
                "return document.getElementById('note').textContent")
            stored = driver.execute_script("return Object.keys(localStorage).length")
            assert stored == 1
            running.start_relay(port=port, timeout=90)
            httpx.post(f"{sim_url}/_sim/publish/{SAMPLE_RESTAURANT_GUID}",
                       json={"itemGuid": row["guid"], "price": 18.5}, timeout=30)
            wait_for(lambda: price_of(driver, row["guid"]) == "$18.50", 120, "the new price")
            wait_for(lambda: driver.execute_script(
                "return document.getElementById('note').hidden"), 30, "the note to go")


def test_a_rebooted_player_shows_the_newest_kept_menu(stack: tuple[str, str]) -> None:
    """A page older than what localStorage keeps (a player's cached copy) shows the kept one."""
    url, _ = stack
    with chromium(1920, 1080) as driver:
        # No push channel and hourly polls: what shows is what the page chose at boot, not
        # a later answer from the live relay (which may differ, e.g. past a minute boundary).
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": "window.EventSource = undefined;"})
        target = board_url(url, available="all", refresh="3600")
        open_board(driver, target)
        changed = driver.execute_script("""
            const key = 'toast-relay:' + location.pathname + location.search;
            const kept = JSON.parse(localStorage.getItem(key));
            const html = kept.html.replace(/data-version="\\d+"/, 'data-version="9e15"')
              .replace('>Harbor Burger<', '>Kept Burger<');
            localStorage.setItem(key, JSON.stringify({...kept, version: 9e15, html}));
            return html !== kept.html;""")
        assert changed
        open_board(driver, target)
        assert "Kept Burger" in driver.execute_script("return document.body.textContent")


def test_heap_stays_flat_over_1000_updates(stack: tuple[str, str]) -> None:
    """After 1,000 in-place updates the JS heap is within 2 MB of what it was after 10."""
    url, _ = stack
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, refresh="3600"))
        a = httpx.get(board_url(url, part="content"), timeout=30).text
        b = a.replace("$16.00", "$16.50")  # a re-price: the usual update
        assert a != b
        run = """const [a, b, n] = arguments;
            for (let i = 0; i < n; i++) window.__board.apply(i % 2 ? b : a, 'x' + i);"""

        def heap() -> float:
            driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
            used: float = driver.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"]
            return used

        driver.execute_script(run, a, b, 10)
        after_10 = heap()
        for _ in range(9):
            driver.execute_script(run, a, b, 110)
        after_1000 = heap()
        assert driver.execute_script("return window.__board.updates") == 1000
        assert after_1000 - after_10 <= 2 * 1024 * 1024, (after_10, after_1000)


def test_nothing_is_requested_from_another_origin(stack: tuple[str, str]) -> None:
    """Every request the board makes goes to the relay's own origin."""
    url, _ = stack
    with chromium(1920, 1080, perf_log=True) as driver:
        open_board(driver, board_url(url, refresh="2", images="true"))
        wait_for(lambda: driver.execute_script("return window.__board.fails === 0 && "
                                               "performance.getEntries().length > 1"), 30,
                 "a check")
        urls = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                request_url = message["params"]["request"]["url"]
                if not request_url.startswith(("chrome:", "chrome-untrusted:", "about:",
                                               "data:")):
                    urls.append(request_url)  # the browser's own new-tab page is not ours
        assert urls and all(u.startswith(url + "/") for u in urls), urls


WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


def test_board_and_docs_run_under_their_content_security_policies(
        stack: tuple[str, str]) -> None:
    """The board (images, accent, its checks and event stream) and /docs draw themselves with
    no Content-Security-Policy violation."""
    url, _ = stack
    with chromium(1920, 1080) as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})
        open_board(driver, board_url(url, refresh="2", images="true", accent="ff6600"))
        wait_for(lambda: driver.execute_script(
            "return window.__board.fails === 0 && [...document.images].length > 0 && "
            "[...document.images].every(i => i.complete && i.naturalWidth > 0) && "
            "performance.getEntriesByType('resource').some(e => e.name.includes('part=content'))"),
            60, "images and a check")
        assert driver.execute_script("return window.__csp") == []
        driver.get(f"{url}/docs")
        wait_for(lambda: driver.execute_script(
            "return document.querySelectorAll('.opblock').length"), 60, "Swagger UI")
        assert driver.execute_script("return window.__csp") == []


def test_a_widget_on_another_origin_reads_the_menu(stack: tuple[str, str]) -> None:
    """A page on another origin (here the simulator's) reads /menu with the key in
    X-API-Key (a preflighted request) and as ?key=, and gets the readable 401 without one."""
    url, sim_url = stack
    with chromium(1280, 720) as driver:
        driver.get(f"{sim_url}/_sim/faults")
        got = driver.execute_async_script("""
            const [url, key, done] = arguments;
            const read = async (path, init) => {
              const r = await fetch(url + path, init);
              return [r.status, r.headers.get('ETag') !== null, (await r.json())];
            };
            Promise.all([
              read('/menu/harbor', {headers: {'X-API-Key': key}}),
              read('/menu/harbor?key=' + key),
              read('/menu/harbor'),
            ]).then(all => done(all.map(([s, etag, body]) => [s, etag, body.items
              ? body.items.length : body.error])), e => done(String(e)));
        """, url, KEY)
    assert isinstance(got, list), got
    (header_status, header_etag, rows), (query_status, _, same), (keyless, _, error) = got
    assert header_status == query_status == 200 and header_etag and rows == same > 0
    assert (keyless, error) == (401, "unauthorized")


def test_images_come_through_the_relay(stack: tuple[str, str]) -> None:
    """images=true shows every item image, fetched through /image and resized."""
    url, _ = stack
    with_image = [r for r in menu_rows(url) if r["image"]]
    assert with_image and all(r["imageUrl"] == f"/image/{SAMPLE_RESTAURANT_GUID}/{r['guid']}"
                              for r in with_image)
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, images="true", available="all"))
        loaded = wait_for(lambda: driver.execute_script("""const imgs = [...document.images];
            return imgs.length && imgs.every(i => i.complete) &&
              imgs.map(i => [i.closest('.item').dataset.guid, i.naturalWidth,
                             new URL(i.src).pathname])"""), 60, "the images")
        assert sorted(g for g, _, _ in loaded) == sorted(r["guid"] for r in with_image)
        assert all(width == 320 and path.startswith("/image/") for _, width, path in loaded)
        assert layout(driver)["cut"] == []


def test_the_logo_comes_through_the_relays_image_fetcher(stack: tuple[str, str]) -> None:
    """logo=<an image URL> shows that image in the header, fetched through the board's own
    /logo route (the SSRF-safe image fetcher), never from the image's origin."""
    url, _ = stack
    source = next(r["image"] for r in menu_rows(url) if r["image"])
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, logo=quote(source, safe="")))
        logo = wait_for(lambda: driver.execute_script("""const i = document.getElementById('logo');
            return i && i.complete && i.naturalWidth > 0 &&
              [i.naturalWidth, new URL(i.src).pathname, new URL(i.src).origin];"""),
            30, "the logo")
        assert logo[1] == "/board/harbor/logo" and logo[2] == url
        assert layout(driver)["cut"] == []


def test_dayparts_follow_the_same_rule_as_the_relay(stack: tuple[str, str]) -> None:
    """The board's schedule check agrees with app.menu.availability on edge cases; Yodeck's
    ready_for_cache title hint is set once the board is drawn."""
    from app.menu.availability import windows_cover

    url, _ = stack
    cases = [
        ([(0, 6 * 3600, 11 * 3600)], 0, 6 * 3600), ([(0, 6 * 3600, 11 * 3600)], 0, 11 * 3600),
        ([(4, 22 * 3600, 2 * 3600)], 5, 3600), ([(4, 22 * 3600, 2 * 3600)], 4, 23 * 3600),
        ([(6, 22 * 3600, 2 * 3600)], 0, 3600), ([(2, 0, 0)], 2, 5), ([(2, 0, 0)], 3, 5),
    ]
    with chromium(1280, 720) as driver:
        open_board(driver, board_url(url, available="now", ready_for_cache="600"))
        assert json.loads(driver.title) == {"ready_for_cache": True, "valid_for": 600}
        for windows, day, second in cases:
            js = driver.execute_script("return window.__board.covers(arguments[0], "
                                       "arguments[1], arguments[2])", windows, day, second)
            from datetime import datetime, timedelta
            monday = datetime(2025, 3, 3)
            local = monday + timedelta(days=day, seconds=second)
            assert js == windows_cover(windows, local), (windows, day, second)
        hidden = driver.execute_script(
            "return [...document.querySelectorAll('section[hidden]')].length")
        shown = driver.execute_script(
            "return [...document.querySelectorAll('section:not([hidden])')].length")
        assert shown > 0 and hidden + shown > 0


def advance(driver: Any, ms: int) -> None:
    """Run the page's clock (timers, Date, animations) ``ms`` ahead as fast as it can go."""
    until = driver.execute_script("return performance.now()") + ms - 1000
    driver.execute_cdp_cmd("Emulation.setVirtualTimePolicy",
                           {"policy": "advance", "budget": ms})
    wait_for(lambda: driver.execute_script("return window.__ticked >= arguments[0]", until),
             120, f"{ms} ms of virtual time")


def test_drift_shifts_the_board_a_few_pixels_every_few_minutes(stack: tuple[str, str]) -> None:
    """drift=true moves the board a few pixels every 4 minutes (page clock driven by
    DevTools), to a new spot each time, never scrolling or cutting an item."""
    url, _ = stack
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, drift="true", refresh="3600", available="all"))
        where = ("const r = document.getElementById('frame').getBoundingClientRect();"
                 "return [r.left, r.top]")
        origin = driver.execute_script(where)
        driver.execute_script("""window.__ticked = 0; window.__moves = [];
            setInterval(() => window.__ticked = performance.now(), 1000);
            const frame = document.getElementById('frame');
            new MutationObserver(() => window.__moves.push(frame.style.transform))
              .observe(frame, {attributes: true, attributeFilter: ['style']});""")
        spots = []
        for _ in range(3):
            advance(driver, 245_000)
            spots.append(driver.execute_script(where))
            lay = layout(driver)
            assert_no_scroll(lay)
            assert lay["cut"] == [] and len(lay["whole"]) == lay["count"]
        moves = driver.execute_script("return window.__moves")
        assert len(moves) >= 2 and all(a != b for a, b in pairwise(moves))
        assert spots[-1] != origin, spots
        assert all(abs(x - origin[0]) <= 6 and abs(y - origin[1]) <= 6 for x, y in spots)


def test_a_re_price_swaps_only_the_changed_items(stack: tuple[str, str]) -> None:
    """An update with the same items in the same order replaces only the changed items'
    elements; a new item set redraws the whole board, and both stay fitted."""
    url, _ = stack
    with chromium(1920, 1080) as driver:
        open_board(driver, board_url(url, refresh="3600"))
        a = httpx.get(board_url(url, part="content"), timeout=30).text
        b = a.replace("$16.00", "$16.50")
        changed = sum(line.startswith("<div") and "$16.00" in line for line in a.splitlines())
        kept = driver.execute_script("""const [a, b] = arguments;
            window.__board.apply(a, 'a');
            const before = [...document.querySelectorAll('.item')];
            window.__board.apply(b, 'b');
            const after = [...document.querySelectorAll('.item')];
            return [after.length === before.length,
                    after.filter((e, i) => e === before[i]).length,
                    after.filter(e => e.querySelector('.price').textContent === '$16.50').length,
                    document.getElementById('content').dataset.version];""", a, b)
        assert kept[0] and kept[1] == len(menu_rows(url)) - changed and kept[2] >= 1
        first = a.index("\n<div") + 1
        fewer = a[:first] + a[a.index("\n", first) + 1:]  # one item gone: a new item set
        redrawn = driver.execute_script("""const [html, n] = arguments;
            const last = [...document.querySelectorAll('.item')].pop();
            window.__board.apply(html, 'c');
            const now = [...document.querySelectorAll('.item')];
            return now.length === n && now.pop() !== last""", fewer, len(menu_rows(url)) - 1)
        assert redrawn
        lay = layout(driver)
        assert_no_scroll(lay)
        assert lay["cut"] == []


def test_the_compact_markup_grows_into_the_dom_contract(stack: tuple[str, str]) -> None:
    """Every item on the board has the DOM contract of docs/board.md (class item, .name, .price,
    .desc with its shared closing sentence joined again, .meta with calories and unit,
    .flag for sold out), also after an in-place update and with calories=uk."""
    url, _ = stack
    rows = menu_rows(url)
    grown = """return [...document.querySelectorAll('[data-guid]')].map(e => [e.dataset.guid,
        e.className, e.querySelector('.line > .name').textContent,
        e.querySelector('.line > .price').textContent,
        (e.querySelector(':scope > .desc') || {}).textContent || '',
        (e.querySelector(':scope > .meta > .cal') || {}).textContent || '',
        (e.querySelector(':scope > .flag') || {}).textContent || ''])"""
    with chromium(1920, 1080) as driver:
        for unit in ("cal", "kcal"):
            target = board_url(url, available="all", refresh="3600",
                               calories="uk" if unit == "kcal" else "us")
            open_board(driver, target)
            content = httpx.get(target + "&part=content", timeout=30).text
            driver.execute_script("window.__board.apply(arguments[0], 'x')",
                                  content.replace("$16.00", "$16.25"))
            seen = driver.execute_script(grown)
            assert len(seen) == len(rows)
            for (guid, cls, name, price, desc, cal, flag), r in zip(seen, rows, strict=True):
                assert guid == r["guid"]
                sold = r["outOfStock"]
                assert cls.split()[0] == "item" and ("sold" in cls.split()) == sold
                assert name == r["name"]
                assert price == r["priceText"].replace("$16.00", "$16.25")
                assert desc == (r["description"] or "")
                assert cal == ("" if r["calories"] is None else f"{r['calories']} {unit}")
                assert (flag == "Sold out") if sold else flag in ("", *[
                    f"Only {n} left" for n in range(6)])
