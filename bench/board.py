"""Part e: the board. Page size and render time per change per template (sample, 150 and
3,000 items), the cached hit against the bare-Starlette floor, and in Chromium each
template's first render and in-place update times (``bench.board_chromium``)."""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from bench import board_chromium
from bench.load import LoadGenerator
from bench.procs import Procs, start_relay, start_sim
from bench.report import Section, Target, fmt, fmt_ratio, md_table, median, ratio
from bench.serving import COPIED_HEADERS, KEY, relay_env, start_floor

SIZE_GOAL = 60_000
RATIO_GOAL = 0.9
APPLY_GOAL_MS = 16.0
TEMPLATES = ("columns", "list", "feature")


@dataclass(frozen=True)
class Config:
    """How long part e runs."""

    seconds: float
    reps: int
    updates: int
    render_runs: int
    loads: int = 3
    baseline: Path | None = None
    """Another source tree (e.g. a ``git worktree`` of the previous commit): its relay is
    measured in Chromium beside this one's."""


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
        for template in TEMPLATES:
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


BOARDS = (("sample, open now", "sample", ""), *(
    (menu, menu, f"available=all&template={t}") for menu in ("sample", "150 items", "3,000 items")
    for t in TEMPLATES))
LARGE = {"150 items": ("7e57b0a2-0150-4000-8000-000000000150", 150),
         "3,000 items": ("7e57b0a2-3000-4000-8000-000000003000", 3000)}


def chromium_rows(relays: dict[str, str], guids: dict[str, str], updates: int,
                  loads: int) -> tuple[list[list[str]], list[Target]]:
    """Per board (and per relay, alternated): page bytes, first render, update p50/p95."""
    rows: list[list[str]] = []
    targets: list[Target] = []
    with board_chromium.browser() as driver:
        if driver is None:
            return [], []
        for label, menu, query in BOARDS:
            count = max(5, updates // 20) if menu == "3,000 items" else updates
            for name, relay_url in relays.items():
                url = (f"{relay_url}/board/{guids[menu]}?key={KEY}&refresh=3600"
                       + (f"&{query}" if query else ""))
                t = board_chromium.measure(driver, url, 1 if menu == "3,000 items" else loads,
                                           count)
                template = query.rpartition("template=")[2] or "columns"
                rows.append([label, template, name, f"{t.page_bytes / 1000:,.1f}",
                             fmt(t.first_median, 0), f"{len(t.updates)}",
                             fmt(t.p50, 1), fmt(t.p95, 1)])
                if name != "this tree" or menu == "3,000 items" or not query:
                    continue
                targets.append(Target(f"e. {label} {template}: update p95 in Chromium",
                                      f"{t.p95:.1f} ms", f"≤ {APPLY_GOAL_MS:g} ms",
                                      t.p95 <= APPLY_GOAL_MS))
                if menu == "150 items":
                    targets.append(Target(f"e. 150-item page, {template}",
                                          f"{t.page_bytes:,} B", f"≤ {SIZE_GOAL:,} B",
                                          t.page_bytes <= SIZE_GOAL))
    return rows, targets


def run(tmp: Path, config: Config, load: LoadGenerator) -> Section:
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    section = Section("e. The board: size, render per change, cached hit, first render and "
                      "updates in Chromium")
    auth = {"X-API-Key": KEY}
    guids = {"sample": GUID} | {menu: guid for menu, (guid, _) in LARGE.items()}
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        for guid, items in LARGE.values():
            httpx.post(f"{sim_url}/_sim/large/{guid}", json={"items": items},
                       timeout=120).raise_for_status()
        _, relay_url = start_relay(procs, tmp, relay_env(sim_url, RELAY_ACCESS_LOG="true"))
        relays = {"this tree": relay_url}
        if config.baseline is not None:
            _, relays["baseline"] = start_relay(procs, tmp, relay_env(
                sim_url, PYTHONPATH=str(config.baseline.resolve())), name="baseline")
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
        for _ in range(config.reps):
            for name, target in targets.items():
                results[name].append(load.run(target, auth, 32, config.seconds).rps)
        chromium, chromium_targets = chromium_rows(relays, guids, config.updates, config.loads)

    side = [ratio(r, f) for r, f in zip(*results.values(), strict=True)]
    hit_ratio = median(side)
    gz = len(gzip.compress(body))
    section.add(f"Sample board page: {len(body):,} bytes ({gz:,} gzipped), styles and script "
                f"inline, nothing from other origins.")
    section.add(md_table(["board", "template", "rows", "page bytes (gzipped)",
                          "render ms (content + page)"],
                         render_times(config.render_runs)))
    section.add(md_table(["server (200, 32 conns)", "req/s", "× floor"], [
        [name, fmt(median(v), 0), fmt_ratio(hit_ratio) if "relay" in name else "1.00×"]
        for name, v in results.items()]))
    section.targets += [
        Target("e. sample board page size", f"{len(body):,} B", f"≤ {SIZE_GOAL:,} B",
               len(body) <= SIZE_GOAL),
        Target("e. cached board hit vs floor (200, 32 conns)", fmt_ratio(hit_ratio),
               f"≥ {RATIO_GOAL}×", hit_ratio >= RATIO_GOAL)]
    if not chromium:
        section.add("Chromium or chromedriver not installed: first render and updates skipped.")
        return section
    section.add("In headless Chromium at 1920x1080: page KB as served; first render from "
                "navigation start to DOM interactive (the script's first fit included; "
                "median of the loads); re-prices applied in place through the script's "
                "`apply` (swap and refit; layout included, paint not), 3,000 items fewer. "
                + ("Each board is measured on this tree and on the baseline tree one after "
                   "the other, same browser." if config.baseline else ""))
    section.add(md_table(["board", "template", "tree", "page KB", "first render ms",
                          "updates", "update p50 ms", "update p95 ms"], chromium))
    section.targets += chromium_targets
    return section
