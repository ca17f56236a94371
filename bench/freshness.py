"""Part f: from a publish in Toast to new ``/menu`` JSON, with webhooks and by polling.

Webhooks: the relay and the simulator as real processes on 127.0.0.1; the
simulator sends its signed ``menus_updated`` to the relay on each publish, and
the clock starts just before ``POST /_sim/publish`` and stops when ``/menu``
(asked every 5 ms with ``If-None-Match``) answers with a new ETag.

Board content: a reader follows the restaurant's ``/events`` stream as a board
does and, on each update, asks for ``/board/{r}?part=content``; the clock stops
when the content carries the new price (what a board swaps in, without a browser).

Under load: the same while ``busy`` processes spin on the CPUs (each bounded in
time, stopped by PID) and, with ``large``, the simulator's 3,000-item restaurant
is published at the same moment, so its view and its board's first render run
beside the measured one.

Polling: the same without webhooks at the default ``RELAY_REFRESH_INTERVAL``
(60 s) would take 20 minutes of real time, so it runs in virtual time (relay and
simulator in-process on one ``FakeClock``, as in part c), each publish at a
random moment of the check cycle.
"""

from __future__ import annotations

import asyncio
import math
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.browser import chromium, painted_after
from bench.procs import HOST, RELAY, Proc, Procs, free_port
from bench.report import Section, Target, fmt, md_table
from bench.serving import KEY, relay_env

MENUS_SECRET = "bench-menus-webhook-secret"  # noqa: S105 - local benchmark only
STOCK_SECRET = "bench-stock-webhook-secret"  # noqa: S105 - local benchmark only
POLL_EVERY = 0.005
GAP = 1.5
"""Seconds between publishes (Toast allows one /menus call per second per location)."""
TIMEOUT = 30.0


@dataclass(frozen=True)
class Lags:
    seconds: list[float]
    menus_calls: int

    def pct(self, q: float) -> float:
        """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")

    @property
    def per_publish(self) -> float:
        return self.menus_calls / len(self.seconds) if self.seconds else float("nan")


def _item(rows: list[dict[str, object]]) -> dict[str, object]:
    return next(r for r in rows if isinstance(r.get("price"), float | int) and not r["sizes"])


def _menus_calls(sim_url: str, guid: str) -> int:
    data = httpx.get(f"{sim_url}/_sim/calls", timeout=10).json()
    return int(data["by_restaurant"].get(guid, {}).get("menus", 0))


LARGE_GUID = "7e57b0a2-3000-4000-8000-000000003000"
BUSY_SECONDS = 600.0
"""A busy process stops by itself after this, should the benchmark die before stopping it."""


@contextmanager
def busy_processes(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPUs (the machine loaded), stopped by PID."""
    spin = ("import time\nend = time.monotonic() + " + str(BUSY_SECONDS)
            + "\nwhile time.monotonic() < end: pass")
    procs = [subprocess.Popen([sys.executable, "-c", spin])  # noqa: S603 - our own code
             for _ in range(count)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


class ContentWatch(threading.Thread):
    """Follows ``/events/{r}`` as a board does; on each update asks for the board's content
    and notes when it first carries ``expected`` (seconds after ``started``)."""

    def __init__(self, relay_url: str, guid: str) -> None:
        super().__init__(daemon=True)
        self.events = f"{relay_url}/events/{guid}?key={KEY}"
        self.content = f"{relay_url}/board/{guid}?key={KEY}&part=content&available=all"
        self.expected = ""
        self.started = 0.0
        self.seen = threading.Event()
        self.lag = 0.0
        self.stop = False

    def expect(self, text: str, started: float) -> None:
        self.seen.clear()
        self.expected, self.started = text, started

    def run(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(30, read=None)) as c, \
                c.stream("GET", self.events) as stream:
            for line in stream.iter_lines():
                if self.stop:
                    return
                if not line.startswith("data:") or not self.expected or self.seen.is_set():
                    continue
                if self.expected in c.get(self.content).text:
                    self.lag = time.perf_counter() - self.started
                    self.seen.set()


def webhook_lags(tmp: Path, publishes: int, *, large: bool = False,
                 busy: int = 0) -> tuple[Lags, Lags | None, Lags]:
    """Publish → new ``/menu`` JSON, → the board in Chromium (only quiet and without the
    large restaurant: None otherwise, or without Chromium), → the board's content."""
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    with Procs() as procs:
        relay_port = free_port()
        sim_port = free_port()
        sim_url = f"http://{HOST}:{sim_port}"
        procs.start(Proc("sim", [
            RELAY, "sim", "--host", HOST, "--port", str(sim_port),
            "--webhook-url", f"http://{HOST}:{relay_port}/webhooks/toast",
            "--webhook-secret", MENUS_SECRET, "--stock-webhook-secret", STOCK_SECRET],
            tmp / "sim.log", cwd=tmp)).wait_http(f"{sim_url}/_sim/calls")
        restaurants = GUID
        if large:
            httpx.post(f"{sim_url}/_sim/large/{LARGE_GUID}", json={"items": 3000},
                       timeout=120).raise_for_status()
            restaurants += f",{LARGE_GUID}"
        env = relay_env(sim_url, RELAY_WEBHOOK_SECRET=f"{MENUS_SECRET},{STOCK_SECRET}",
                        RELAY_RESTAURANTS=restaurants, RELAY_ACCESS_LOG="false")
        del env["RELAY_REFRESH_INTERVAL"]  # the webhook default: a 30-minute backup check
        relay_url = f"http://{HOST}:{relay_port}"
        procs.start(Proc("relay", [RELAY, "serve", "--host", HOST, "--port", str(relay_port)],
                         tmp / "relay.log", env=env, cwd=tmp)).wait_http(f"{relay_url}/healthz")
        lags: list[float] = []
        content: list[float] = []
        watch = ContentWatch(relay_url, GUID)
        with httpx.Client(base_url=relay_url, headers={"X-API-Key": KEY}, timeout=60) as c, \
                busy_processes(busy):
            first = c.get(f"/menu/{GUID}")
            first.raise_for_status()
            item = _item(first.json()["items"])
            etag = first.headers["etag"]
            big = _item(c.get(f"/menu/{LARGE_GUID}").json()["items"]) if large else None
            c.get(f"/board/{GUID}?part=content&available=all").raise_for_status()
            watch.start()
            time.sleep(1.0)  # the stream is open
            before = _menus_calls(sim_url, GUID)
            for i in range(publishes):
                price = 10 + i % 7 + i / 100
                started = time.perf_counter()
                watch.expect(f"{price:.2f}", started)
                if big is not None:  # its render and its board's runs beside this one's
                    threading.Thread(target=_publish_large, daemon=True, args=(
                        sim_url, relay_url, big["guid"], 50 + i)).start()
                httpx.post(f"{sim_url}/_sim/publish/{GUID}", timeout=10, json={
                    "itemGuid": item["guid"], "price": price}).raise_for_status()
                deadline = started + TIMEOUT
                while time.perf_counter() < deadline:
                    r = c.get(f"/menu/{GUID}", headers={"If-None-Match": etag})
                    if r.status_code == 200 and r.headers["etag"] != etag:
                        lags.append(time.perf_counter() - started)
                        etag = r.headers["etag"]
                        break
                    time.sleep(POLL_EVERY)
                else:
                    raise RuntimeError(f"publish {i} did not reach /menu within {TIMEOUT} s")
                if not watch.seen.wait(TIMEOUT):
                    raise RuntimeError(f"publish {i} did not reach the board's content")
                content.append(watch.lag)
                time.sleep(max(0.0, started + (GAP * 2 if large else GAP)
                               - time.perf_counter()))
            time.sleep(0.5)  # a late extra fetch would show in the count
            pushed = Lags(lags, _menus_calls(sim_url, GUID) - before)
            watch.stop = True
        painted = board_lags(relay_url, sim_url, GUID, publishes) if not (large or busy) \
            else None
        return pushed, painted, Lags(content, pushed.menus_calls)


def _publish_large(sim_url: str, relay_url: str, item: str, price: float) -> None:
    """Publish the large restaurant and ask for its board's content once it changed."""
    try:
        httpx.post(f"{sim_url}/_sim/publish/{LARGE_GUID}", timeout=10,
                   json={"itemGuid": item, "price": price}).raise_for_status()
        with httpx.Client(timeout=60) as c:
            for _ in range(200):
                if f"{price:.2f}" in c.get(f"{relay_url}/board/{LARGE_GUID}?key={KEY}"
                                            "&part=content&available=all").text:
                    return
                time.sleep(0.02)
    except httpx.HTTPError:
        return  # the run ended (relay stopped) while this one was still asking




def board_lags(relay_url: str, sim_url: str, guid: str, publishes: int) -> Lags | None:
    """Publish → the board in headless Chromium shows the new price (painted), with /events.

    None when there is no board route, or Chromium, chromedriver or selenium is missing.
    """
    from app.board.render import item_guids

    board_url = f"{relay_url}/board/{guid}?key={KEY}"
    content = httpx.get(board_url + "&part=content", timeout=30)
    if content.status_code != 200:
        return None
    shown = set(item_guids(content.text))
    rows = httpx.get(f"{relay_url}/menu/{guid}", headers={"X-API-Key": KEY}, timeout=30)
    item = next(r for r in rows.json()["items"] if isinstance(r.get("price"), float | int)
                and not r["sizes"] and r["guid"] in shown)
    lags: list[float] = []
    with chromium() as driver:
        if driver is None:
            return None
        driver.get(board_url + "&refresh=3600")  # changes can only come through /events
        time.sleep(2.0)  # the page opens its event stream
        before = _menus_calls(sim_url, guid)
        for i in range(publishes):
            price = 40 + i + 0.17

            def publish(price: float = price) -> None:
                httpx.post(f"{sim_url}/_sim/publish/{guid}", timeout=10, json={
                    "itemGuid": item["guid"], "price": price}).raise_for_status()

            started = time.time()
            lags.append(painted_after(driver, f"{price:.2f}", publish, TIMEOUT))
            time.sleep(max(0.0, started + GAP - time.time()))
        return Lags(lags, _menus_calls(sim_url, guid) - before)


async def polling_lags(publishes: int, interval: float, seed: int = 7) -> Lags:
    from app.api.app import create_app, lifespan_of
    from app.clock import FakeClock
    from app.config import load_settings
    from app.sim.app import create_sim_app
    from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID
    from app.sim.state import SimState

    rng = random.Random(seed)
    clock = FakeClock()
    sim_http = httpx.AsyncClient(transport=httpx.ASGITransport(
        app=create_sim_app(SimState(clock=clock))), base_url="http://toast.sim")
    settings = load_settings(env={
        "TOAST_API_URL": "http://toast.sim", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
        "RELAY_RESTAURANTS": GUID, "RELAY_REFRESH_INTERVAL": str(interval),
        "RELAY_ACCESS_LOG": "false"})
    app = create_app(settings, clock=clock, http=sim_http)
    ops = lifespan_of(app)
    step = 0.05
    lags: list[float] = []
    async with ops.router.lifespan_context(ops), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://relay",
            headers={"X-API-Key": KEY}) as screens:
        while (r := await screens.get(f"/menu/{GUID}")).status_code != 200:
            await clock.advance(step)
        etag = r.headers["etag"]
        before = (await sim_http.get("/_sim/calls")).json()["calls"].get("menus", 0)
        for _ in range(publishes):
            await clock.advance(rng.uniform(0, interval))
            (await sim_http.post(f"/_sim/publish/{GUID}")).raise_for_status()
            started = clock.monotonic()
            while True:
                await clock.advance(step)
                r = await screens.get(f"/menu/{GUID}", headers={"If-None-Match": etag})
                if r.status_code == 200 and r.headers["etag"] != etag:
                    lags.append(clock.monotonic() - started)
                    etag = r.headers["etag"]
                    break
                if clock.monotonic() - started > 3 * interval:
                    raise RuntimeError("a publish did not reach /menu within 3 intervals")
        after = (await sim_http.get("/_sim/calls")).json()["calls"].get("menus", 0)
    return Lags(lags, int(after) - int(before))


BUSY = 4
"""Busy processes for the loaded runs: two per core on the 2-vCPU machine of the report."""


def loaded_lags(tmp: Path, publishes: int, busy: int = BUSY) -> dict[str, tuple[Lags, Lags]]:
    """(/menu, board content) lags with the large restaurant published alongside, quiet and
    with ``busy`` spinning processes."""
    out = {}
    for label, n in (("quiet", 0), (f"{busy} busy processes", busy)):
        (tmp / f"busy{n}").mkdir(parents=True, exist_ok=True)
        menu, _, content = webhook_lags(tmp / f"busy{n}", publishes, large=True, busy=n)
        out[label] = (menu, content)
    return out


def run(tmp: Path, publishes: int) -> Section:
    section = Section("f. Freshness: a publish in Toast to new /menu JSON")
    pushed, painted, content = webhook_lags(tmp, publishes)
    polled = asyncio.run(polling_lags(publishes, 60.0))
    loaded = loaded_lags(tmp, publishes)

    def row(label: str, lags: Lags, unit: str) -> list[str]:
        return [label, f"{fmt(lags.pct(0.5) * 1000, 0)} ms" if unit == "ms"
                else f"{fmt(lags.pct(0.5), 1)} s",
                f"{fmt(lags.pct(0.95) * 1000, 0)} ms" if unit == "ms"
                else f"{fmt(lags.pct(0.95), 1)} s",
                f"{fmt(max(lags.seconds) * 1000, 0)} ms" if unit == "ms"
                else f"{fmt(max(lags.seconds), 1)} s",
                fmt(lags.per_publish, 2)]

    section.add(
        f"{publishes} publishes each way (a price change via `POST /_sim/publish`). "
        "Webhooks: `toast-relay sim --webhook-url …` and `toast-relay serve` with "
        "`RELAY_WEBHOOK_SECRET` as real processes, real time, publishes 1.5 s apart, `/menu` "
        "asked every 5 ms with If-None-Match. Polling: no webhooks, `RELAY_REFRESH_INTERVAL`"
        "=60 (the default), in virtual time, each publish at a random point of the cycle. "
        "Large restaurant too: the simulator's 3,000-item restaurant (7 MB from Toast) is "
        "published at the same moment and its board content asked for, publishes 3 s "
        f"apart; loaded: {BUSY} Python processes spinning on the 2 CPUs for the run "
        "(stopped by PID), on top of whatever else the machine runs.")
    rows = [row("webhook → new /menu JSON", pushed, "ms"),
            row("webhook → board content (/events, then part=content)", content, "ms"),
            row("metadata poll every 60 s → new /menu JSON", polled, "s")]
    for label, (menu, board) in loaded.items():
        rows += [row(f"3,000-item restaurant published too, {label}: → /menu", menu, "ms"),
                 row(f"3,000-item restaurant published too, {label}: → board content",
                     board, "ms")]
        section.targets += [
            Target(f"f. webhook → /menu p95, large restaurant too, {label}",
                   f"{fmt(menu.pct(0.95) * 1000, 0)} ms", "≤ 1 s", menu.pct(0.95) <= 1.0),
            Target(f"f. webhook → board content p95, large restaurant too, {label}",
                   f"{fmt(board.pct(0.95) * 1000, 0)} ms", "≤ 1.5 s", board.pct(0.95) <= 1.5)]
    if painted is not None:
        rows.insert(1, row("webhook → board repainted in Chromium (/events)", painted, "ms"))
    section.add(md_table(["how the change arrives", "p50", "p95", "max", "/menus per publish"],
                         rows))
    ratio = polled.pct(0.5) / pushed.pct(0.5) if pushed.pct(0.5) else float("nan")
    section.add(f"Median ratio polling / webhook: {fmt(ratio, 0)}×.")
    section.targets.append(Target(
        "f. publish → new /menu JSON with webhooks, p95", f"{fmt(pushed.pct(0.95) * 1000, 0)} ms",
        "≤ 1 s", pushed.pct(0.95) <= 1.0,
        f"p50 {fmt(pushed.pct(0.5) * 1000, 0)} ms; polling at 60 s: p50 "
        f"{fmt(polled.pct(0.5), 1)} s, p95 {fmt(polled.pct(0.95), 1)} s"))
    if painted is None:
        section.add("Board in Chromium: not measured (no /board route, or Chromium, "
                    "chromedriver or selenium missing).")
    else:
        section.targets.append(Target(
            "f. publish → board repainted in Chromium, p95",
            f"{fmt(painted.pct(0.95) * 1000, 0)} ms", "≤ 1.5 s", painted.pct(0.95) <= 1.5,
            f"p50 {fmt(painted.pct(0.5) * 1000, 0)} ms; headless Chromium 1920x1080, the "
            "board's own /events stream, time to the second frame after the new price is "
            "in the DOM"))
    from bench import loop_stall

    section.add("Event-loop stall of a large restaurant's renders (in process, a 1 ms loop "
                "watch; `python -m bench.loop_stall`):")
    section.add(md_table(loop_stall.HEADERS, loop_stall.stalls(3)
                         + loop_stall.concurrent_stalls()))
    section.targets.append(Target(
        "f. /menus calls per publish (webhooks)", fmt(pushed.per_publish, 2), "1",
        pushed.menus_calls == publishes, f"{pushed.menus_calls} for {publishes} publishes"))
    return section
