"""Part h: a stored screen's cached answer beside ``/menu``, and an edit reaching its board.

Both sides of the serving comparison run in one relay, alternated in each
repetition, so the ratio is measured side by side. The screen shows every menu
(``available: all``), so its rows are the ``/menu`` rows after the screen's
choices (one rename and one badge), and the two answers are about the same size.

An edit's time runs from the start of ``PUT /admin/screens/{screen}`` until the
open board shows the new name: in headless Chromium, the frame after the board's
script swapped it in (through the board's own ``/events`` stream, with its
polling set to an hour); and, as data, until the stream announced it and
``/s/{screen}/menu`` answers with the name.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.browser import chromium, painted_after
from bench.load import LoadGenerator, LoadResult
from bench.procs import Procs, start_relay, start_sim
from bench.report import Section, Target, fmt, fmt_ratio, md_table, median, ratio
from bench.serving import KEY, relay_env

ADMIN = "bench-admin-key-0123456789abcdef"
SCREEN = "bench"
CONNECTIONS = 32
RATIO_GOAL = 0.90
EDIT_GOAL_MS = 2000.0


@dataclass(frozen=True)
class Config:
    seconds: float
    reps: int
    edits: int


def _definition(guid: str, item: str, name: str) -> dict[str, object]:
    return {"restaurant": guid, "available": "all", "rename": {item: name},
            "badges": {item: ["New"]}}


def _put(client: httpx.Client, definition: dict[str, object]) -> None:
    r = client.put(f"/admin/screens/{SCREEN}", json=definition, headers={"X-API-Key": ADMIN})
    r.raise_for_status()


def _stream(url: str, updates: queue.Queue[float], stop: threading.Event) -> None:
    """Put the arrival time of every ``event: update`` of ``url`` on ``updates``."""
    with httpx.Client(timeout=httpx.Timeout(5.0, read=None)) as client, \
            client.stream("GET", url, headers={"Accept": "text/event-stream"}) as r:
        for line in r.iter_lines():
            if stop.is_set():
                return
            if line.strip() == "event: update":
                updates.put(time.perf_counter())


def _edits(relay_url: str, guid: str, item: str, n: int) -> list[float]:
    """ms from each PUT to the stream's update and the screen answering the new name."""
    updates: queue.Queue[float] = queue.Queue()
    stop = threading.Event()
    listener = threading.Thread(target=_stream, daemon=True, args=(
        f"{relay_url}/events/{guid}?key={KEY}", updates, stop))
    listener.start()
    lags: list[float] = []
    with httpx.Client(base_url=relay_url, timeout=10) as client:
        time.sleep(0.5)  # the stream is open before the first edit
        while not updates.empty():
            updates.get_nowait()
        for i in range(n):
            name = f"Edit {i}"
            started = time.perf_counter()
            _put(client, _definition(guid, item, name))
            updates.get(timeout=10)  # bounded: a lost announcement fails the part
            deadline = started + 10
            while time.perf_counter() < deadline:
                rows = client.get(f"/s/{SCREEN}/menu", params={"key": KEY}).json()["items"]
                if any(r["name"] == name for r in rows):
                    break
                time.sleep(0.005)
            else:
                raise RuntimeError(f"edit {i} never reached /s/{SCREEN}/menu")
            lags.append((time.perf_counter() - started) * 1000)
            while not updates.empty():  # one edit, one announcement; drop any extra
                updates.get_nowait()
    stop.set()
    return lags


def _painted(relay_url: str, guid: str, item: str, n: int) -> list[float] | None:
    """ms from each PUT to the new name painted on the open board (None: no Chromium)."""
    lags: list[float] = []
    with chromium() as driver, httpx.Client(base_url=relay_url, timeout=10) as client:
        if driver is None:
            return None
        driver.get(f"{relay_url}/s/{SCREEN}?key={KEY}&refresh=3600")
        time.sleep(2.0)  # the page opens its event stream
        for i in range(n):
            name = f"Painted {i}"

            def edit(name: str = name) -> None:
                _put(client, _definition(guid, item, name))

            lags.append(painted_after(driver, name, edit, 10.0) * 1000)
            time.sleep(0.2)
    return lags


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(tmp: Path, cfg: Config, load: LoadGenerator) -> Section:
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    section = Section("h. Stored screens: a cached /s/{screen}/menu hit beside /menu, and an "
                      "edit reaching the board")
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        _, relay_url = start_relay(procs, tmp, relay_env(sim_url, RELAY_ADMIN_KEY=ADMIN))
        auth = {"X-API-Key": KEY}
        rows = httpx.get(f"{relay_url}/menu/{GUID}", headers=auth, timeout=30).json()["items"]
        item = str(rows[0]["guid"])
        with httpx.Client(base_url=relay_url, timeout=30) as client:
            _put(client, _definition(GUID, item, "Bench Special"))
        urls = {"/menu/{restaurant}": f"{relay_url}/menu/{GUID}",
                "/s/{screen}/menu": f"{relay_url}/s/{SCREEN}/menu"}
        sizes = {}
        for label, url in urls.items():
            first = httpx.get(url, headers=auth, timeout=30)
            first.raise_for_status()
            sizes[label] = len(first.content)
            load.run(url, auth, CONNECTIONS, 1)  # warm-up, not recorded
        results: dict[str, list[LoadResult]] = {label: [] for label in urls}
        for rep in range(cfg.reps):
            # Side by side in every repetition, each route first in every other one (on a
            # shared machine the second run of a pair measured a few per cent lower).
            pair = list(urls.items()) if rep % 2 == 0 else list(urls.items())[::-1]
            for label, url in pair:
                results[label].append(load.run(url, auth, CONNECTIONS, cfg.seconds))
        lags = _edits(relay_url, GUID, item, cfg.edits)
        painted = _painted(relay_url, GUID, item, cfg.edits)

    rps = {label: median([r.rps for r in rs]) for label, rs in results.items()}
    p99 = {label: median([r.p99_ms for r in rs]) for label, rs in results.items()}
    share = ratio(rps["/s/{screen}/menu"], rps["/menu/{restaurant}"])
    section.add(f"{load.tool}, {CONNECTIONS} connections, {cfg.reps} × {cfg.seconds:g} s per "
                "route, alternated (each first in every other repetition); medians over the "
                "repetitions.")
    section.add(md_table(["route", "bytes", "req/s", "p99 ms", "errors"], [
        [label, f"{sizes[label]:,}", fmt(rps[label], 0), fmt(p99[label], 2),
         str(sum(r.errors for r in results[label]))] for label in urls]))
    section.add(f"Edit → board data: {len(lags)} edits, p50 {fmt(_pct(lags, 0.5), 0)} ms, "
                f"p95 {fmt(_pct(lags, 0.95), 0)} ms, max {fmt(max(lags), 0)} ms (PUT → the "
                "/events update → /s/{screen}/menu answering the new name).")
    section.targets.append(Target(
        "cached /s/{screen}/menu ÷ /menu req/s", fmt_ratio(share), f"≥ {RATIO_GOAL}",
        share >= RATIO_GOAL, "within noise of /menu"))
    if painted is None:
        section.add("Edit → painted board: not measured (Chromium, chromedriver or selenium "
                    "missing).")
    else:
        p95 = _pct(painted, 0.95)
        section.add(f"Edit → painted board in Chromium: {len(painted)} edits, p50 "
                    f"{fmt(_pct(painted, 0.5), 0)} ms, p95 {fmt(p95, 0)} ms, max "
                    f"{fmt(max(painted), 0)} ms.")
        section.targets.append(Target("screen edit → open board painted, p95",
                                      f"{fmt(p95, 0)} ms", f"≤ {EDIT_GOAL_MS:g} ms",
                                      p95 <= EDIT_GOAL_MS, f"{len(painted)} edits, Chromium"))
    return section
