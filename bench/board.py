"""Part e: the board. Page size, render time per change, the cached hit against the
bare-Starlette floor, and in Chromium the time to apply one in-place update."""

from __future__ import annotations

import gzip
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from bench.load import LoadGenerator
from bench.procs import Procs, find_binary, start_relay, start_sim
from bench.report import Section, Target, fmt, fmt_ratio, md_table, median, ratio
from bench.serving import COPIED_HEADERS, KEY, relay_env, start_floor

SIZE_GOAL = 60_000
RATIO_GOAL = 0.9
APPLY_GOAL_MS = 16.0


def render_times(runs: int) -> list[list[str]]:
    """Rows: menu, template, rows, page bytes (and gzipped), median ms to render content +
    page once per change (what runs off the event loop on a board's first request)."""
    from app.board.options import BoardOptions
    from app.board.render import render_content, render_page, select
    from app.menu.filters import Filters
    from app.menu.flatten import flatten
    from app.menu.model import decode_menus
    from app.menu.render import make_etag
    from app.sim.large import LARGE_RESTAURANT_GUID, build_large_menu
    from app.sim.sample import harbor_lights_menus

    now = datetime.now(UTC)
    out = []
    for label, doc in (("sample", harbor_lights_menus()),
                       ("150 items", build_large_menu(150, 20, 1, LARGE_RESTAURANT_GUID)),
                       ("3,000 items", build_large_menu(3000, 500, 1, LARGE_RESTAURANT_GUID))):
        flat = flatten(decode_menus(orjson.dumps(doc)), now=now)
        for template in ("columns", "list", "feature"):
            options = BoardOptions(template=template)
            times, page = [], b""
            for _ in range(runs):
                t0 = time.perf_counter()
                data = select("Bench", "USD", flat, flat.rows, Filters(), now, fetched_at=1.0,
                              changed_at=2.0, stale=False)
                content = render_content(data, options)
                page = render_page("Bench", options, content, make_etag(content))
                times.append((time.perf_counter() - t0) * 1000)
            out.append([label, template, f"{len(flat.rows):,}",
                        f"{len(page):,} ({len(gzip.compress(page)):,})",
                        fmt(median(times), 1)])
    return out


def apply_times(board_url: str, updates: int) -> list[float] | None:
    """ms per in-place update (swap + fit) in headless Chromium; None without Chromium."""
    chromium, driver_path = find_binary("chromium"), find_binary("chromedriver")
    if chromium is None or driver_path is None:
        return None
    os.environ["SE_OFFLINE"] = "true"
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", f"--user-data-dir={profile}", "--window-size=1920,1080"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
            driver.get(board_url + "&refresh=3600")
            deadline = time.monotonic() + 60
            while not driver.execute_script("return window.__board && window.__board.scale"):
                if time.monotonic() > deadline:
                    raise RuntimeError("the board never fitted in Chromium")
                time.sleep(0.1)
            content = httpx.get(board_url + "&part=content", timeout=30).text
            repriced = content.replace("$16.00", "$16.50")  # the usual update: one price
            driver.set_script_timeout(600)
            times: list[float] = []
            for start in range(0, updates, 50):  # batches keep each call short
                times += driver.execute_script("""const [a, b, first, n] = arguments;
                    const out = [];
                    for (let i = first; i < first + n; i++) {
                      window.__board.apply(i % 2 ? b : a, 'x' + i);
                      out.push(window.__board.lastApplyMs);
                    }
                    return out;""", content, repriced, start, min(50, updates - start))
            return times
        finally:
            driver.quit()


def run(tmp: Path, seconds: float, reps: int, load: LoadGenerator, updates: int,
        render_runs: int) -> Section:
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    section = Section("e. The board: size, render per change, cached hit, update in Chromium")
    auth = {"X-API-Key": KEY}
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        _, relay_url = start_relay(procs, tmp, relay_env(sim_url, RELAY_ACCESS_LOG="true"))
        url = f"{relay_url}/board/{GUID}"
        first = httpx.get(url, headers=auth, timeout=30)
        again = httpx.get(url, headers=auth, timeout=30)
        if again.status_code != 200 or again.content != first.content:
            raise RuntimeError("the board is not served from the cache")
        body = again.content
        (tmp / "board.html").write_bytes(body)
        headers = {h: again.headers[h] for h in COPIED_HEADERS}
        (tmp / "meta.json").write_text(orjson.dumps(
            {"headers": headers, "mediaType": "text/html"}).decode())
        _, floor_url = start_floor(procs, tmp, tmp / "board.html")
        targets = {"relay GET /board/{r}": url, "bare Starlette floor": f"{floor_url}/menu/x"}
        for target in targets.values():
            load.run(target, auth, 32, 1)
        results: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(reps):
            for name, target in targets.items():
                results[name].append(load.run(target, auth, 32, seconds).rps)
        applied = apply_times(f"{relay_url}/board/{GUID}?key={KEY}", updates)

    side = [ratio(r, f) for r, f in zip(*results.values(), strict=True)]
    hit_ratio = median(side)
    gz = len(gzip.compress(body))
    section.add(f"Sample board page: {len(body):,} bytes ({gz:,} gzipped), styles and script "
                f"inline, nothing from other origins.")
    section.add(md_table(["board", "template", "rows", "page bytes (gzipped)",
                          "render ms (content + page)"],
                         render_times(render_runs)))
    section.add(md_table(["server (200, 32 conns)", "req/s", "× floor"], [
        [name, fmt(median(v), 0), fmt_ratio(hit_ratio) if "relay" in name else "1.00×"]
        for name, v in results.items()]))
    section.targets += [
        Target("e. sample board page size", f"{len(body):,} B", f"≤ {SIZE_GOAL:,} B",
               len(body) <= SIZE_GOAL),
        Target("e. cached board hit vs floor (200, 32 conns)", fmt_ratio(hit_ratio),
               f"≥ {RATIO_GOAL}×", hit_ratio >= RATIO_GOAL)]
    if applied is None:
        section.add("Chromium or chromedriver not installed: update timing skipped.")
    else:
        p50 = statistics.median(applied)
        p95 = sorted(applied)[int(len(applied) * 0.95) - 1]
        section.add(f"In-place update in headless Chromium at 1920x1080 (swap the content, "
                    f"refit): {len(applied)} re-prices, median {p50:.1f} ms, p95 {p95:.1f} ms "
                    f"(layout included, paint not).")
        section.targets.append(Target("e. apply one update in Chromium (median)",
                                      f"{p50:.1f} ms", f"≤ {APPLY_GOAL_MS:g} ms",
                                      p50 <= APPLY_GOAL_MS))
    return section
