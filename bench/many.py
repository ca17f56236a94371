"""Part d: many restaurants on one relay, with real processes.

For each N: ``toast-relay sim`` serving N restaurants of ``ITEMS`` items and
``toast-relay serve`` configured with all of them (``RELAY_RESTAURANTS``,
``RELAY_DATA_DIR``), both on 127.0.0.1. Measured: warm-up time, resident
memory per restaurant, CPU per minute at rest, the size of ``/metrics`` and
``/admin/status``, and, during a burst of ``BURST`` published changes fetched at
once (admin refreshes, as webhooks would cause), the latency screens see and
the longest event-loop stall the relay itself reports, in all and the part its own
work caused (``relay_event_loop_held_seconds``: the lag less its loop thread's
wait for a CPU behind other processes).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from bench.fleet_time import BURST
from bench.procs import Procs, cpu_seconds, own_core, proc_status, start_relay, start_sim
from bench.report import Section, Target, fmt, histogram, longest_and_over, md_table
from bench.serving import KEY, relay_env

ITEMS, MODIFIER_GROUPS = 150, 5
"""A typical restaurant: ~150 items, a few shared modifier groups (~240 KB from Toast)."""
ADMIN = "bench-admin-key-0123456789abcdef"
POLLERS = 16
QUIET = 3.0
MIB_GOAL = 0.4
STALL_GOAL_MS = 20.0
CALLS_PER_RESTAURANT = 3
"""A first load costs /menus, /restaurants and /stock (the login is shared)."""
TOAST_PER_SECOND = 20


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...]
    cpu_seconds: float
    footprint_n: int = 30


@dataclass(frozen=True)
class Stalls:
    """Loop stalls between two scrapes of one of the relay's histograms."""

    longest_ms: float
    """The longest, as the bound of its bucket."""
    over_goal: int

    @classmethod
    def between(cls, before: dict[float, float], after: dict[float, float]) -> Stalls:
        longest, over, _ = longest_and_over(before, after, STALL_GOAL_MS / 1000)
        return cls(longest * 1000, over)


@dataclass(frozen=True)
class Burst:
    seconds: float
    polls: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    quiet_p50_ms: float
    quiet_p99_ms: float
    """The same screens in the seconds before the burst (the client's own floor)."""
    lag: Stalls
    held: Stalls
    """The part of the lag the relay held its loop itself (not waiting for a CPU behind
    other processes)."""
    quiet_lag: Stalls
    quiet_held: Stalls
    """Loop stalls in the seconds before: on a shared machine the process is also
    descheduled."""
    own_core: bool = False
    """The relay ran alone on one CPU (``bench.procs.own_core``) through both."""


@dataclass(frozen=True)
class FleetRun:
    n: int
    warm_s: float
    loaded: int
    rss_mib: float
    per_restaurant_mib: float
    cpu_s_per_min: float
    metrics_kb: float
    status_kb: float
    burst: Burst


def _summary(url: str) -> dict[str, int]:
    r = httpx.get(f"{url}/admin/status", params={"limit": 1},
                  headers={"X-API-Key": ADMIN}, timeout=30)
    r.raise_for_status()
    summary: dict[str, int] = r.json()["summary"]
    return summary


def _wait_loaded(url: str, n: int, timeout: float) -> tuple[float, int]:
    """Seconds until all ``n`` restaurants have a copy (or the timeout), and how many do."""
    start = time.monotonic()
    loaded = 0
    while time.monotonic() - start < timeout:
        s = _summary(url)
        loaded = s["ok"] + s["stale"]
        if loaded >= n:
            break
        time.sleep(0.25)
    return time.monotonic() - start, loaded


LoopScrape = tuple[dict[float, float], dict[float, float]]


def _lag_buckets(url: str) -> LoopScrape:
    """The relay's loop-lag and loop-held histograms: upper bound (s) → cumulative count."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    return (histogram(text, "relay_event_loop_lag_seconds"),
            histogram(text, "relay_event_loop_held_seconds"))


def _stalls(before: LoopScrape, after: LoopScrape) -> tuple[Stalls, Stalls]:
    """(lag, held) stalls between two scrapes."""
    return Stalls.between(before[0], after[0]), Stalls.between(before[1], after[1])


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


class Pollers:
    """Screens polling random restaurants' /menu from a thread, latencies recorded."""

    def __init__(self, url: str, guids: list[str]) -> None:
        self.url = url
        self.guids = guids
        self.latencies: list[tuple[float, float]] = []
        """(when it started, how long it took), both in seconds of ``perf_counter``."""
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _one(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        while not self._stop.is_set():
            guid = rng.choice(self.guids)
            start = time.perf_counter()
            try:
                r = await client.get(f"/menu/{guid}", headers={"X-API-Key": KEY})
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            self.latencies.append((start, time.perf_counter() - start))
            self.errors += not ok

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=POLLERS)
        async with httpx.AsyncClient(base_url=self.url, timeout=30, limits=limits) as client:
            await asyncio.gather(*(self._one(client, random.Random(i))
                                   for i in range(POLLERS)))

    def __enter__(self) -> Pollers:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


def _burst(sim_url: str, url: str, guids: list[str]) -> Burst:
    chosen = guids[:BURST]
    with httpx.Client(timeout=30) as sim:
        for guid in chosen:
            sim.post(f"{sim_url}/_sim/publish/{guid}").raise_for_status()

    async def refresh_all() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=300,
                                     headers={"X-API-Key": ADMIN}) as client:
            answers = await asyncio.gather(*(client.post(f"/admin/refresh/{g}")
                                             for g in chosen))
        bad = [a.status_code for a in answers if a.status_code != 200]
        if bad:
            raise RuntimeError(f"admin refreshes failed: {bad[:5]}")

    with Pollers(url, guids) as polls:
        lag_quiet = _lag_buckets(url)
        time.sleep(QUIET)  # screens polling before the burst starts
        lag_before = _lag_buckets(url)
        start = time.perf_counter()
        asyncio.run(refresh_all())
        seconds = time.perf_counter() - start
    lag, held = _stalls(lag_before, _lag_buckets(url))
    quiet_lag, quiet_held = _stalls(lag_quiet, lag_before)
    during = [took * 1000 for at, took in polls.latencies if at >= start]
    quiet = [took * 1000 for at, took in polls.latencies if at < start]
    return Burst(seconds, len(during), polls.errors, _percentile(during, 50),
                 _percentile(during, 99), max(during, default=float("nan")),
                 _percentile(quiet, 50), _percentile(quiet, 99), lag, held, quiet_lag,
                 quiet_held)


def _relay(procs: Procs, tmp: Path, sim_url: str, guids: list[str]) -> tuple[int, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    env = relay_env(sim_url, RELAY_RESTAURANTS=",".join(guids), RELAY_ADMIN_KEY=ADMIN,
                    RELAY_DATA_DIR=str(tmp / "data"))
    proc, url = start_relay(procs, tmp, env)
    return proc.pid, url


def one_fleet(tmp: Path, n: int, cfg: Config) -> FleetRun:
    tmp.mkdir(parents=True, exist_ok=True)
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        r = httpx.post(f"{sim_url}/_sim/fleet", timeout=600, json={
            "count": n, "items": ITEMS, "modifierGroups": MODIFIER_GROUPS})
        r.raise_for_status()
        guids: list[str] = r.json()["guids"]
        # One restaurant first: the process's own footprint, to subtract.
        pid, url = _relay(procs, tmp / "one", sim_url, guids[:1])
        _wait_loaded(url, 1, 60)
        one_rss = proc_status(pid)["VmRSS"]
        procs.stop_last()
        pid, url = _relay(procs, tmp / "all", sim_url, guids)
        budget_s = 60 + n * CALLS_PER_RESTAURANT / TOAST_PER_SECOND * 3
        warm_s, loaded = _wait_loaded(url, n, budget_s)
        time.sleep(1.0)
        rss = proc_status(pid)["VmRSS"]
        before, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(cfg.cpu_seconds)
        cpu_per_min = (cpu_seconds(pid) - before) / (time.monotonic() - t0) * 60
        metrics = httpx.get(f"{url}/metrics", timeout=30).content
        status = httpx.get(f"{url}/admin/status", headers={"X-API-Key": ADMIN},
                           timeout=30).content
        with own_core(pid, [p for p in procs.pids() if p != pid]) as alone:
            burst = replace(_burst(sim_url, url, guids), own_core=alone)
    return FleetRun(n, warm_s, loaded, rss / 1024, (rss - one_rss) / 1024 / max(1, n - 1),
                    cpu_per_min, len(metrics) / 1000, len(status) / 1000, burst)


def footprint(section: Section, n: int) -> None:
    from bench.footprint import run as measure

    fp = measure(n)
    kib = 1024.0
    rows = [["everything the relay holds, JSON answers rendered", fmt(fp.per_restaurant / kib, 0)],
            ["… and once every restaurant's CSV was asked for too", fmt(fp.with_csv / kib, 0)],
            *[[f"… of which {name}", fmt(size / kib, 0)] for name, size in fp.parts.items()]]
    section.add(
        f"In-process (exact allocations, `bench/footprint.py`): a relay on a fake clock loads "
        f"{n} such restaurants from an in-process simulator; Python's tracemalloc measures what "
        f"stays allocated per restaurant (the simulator's own memory left out). The rest is "
        f"the flattened rows with their strings, the group tree and the option names.")
    section.add(md_table(["per restaurant", "KiB"], rows))
    mib = fp.per_restaurant / (kib * kib)
    section.targets.append(Target(
        "g. memory held per restaurant (allocations)", f"{fmt(mib, 3)} MiB",
        f"≤ {MIB_GOAL} MiB", mib <= MIB_GOAL, "0.84 MiB before (issue 10)"))


def simulated(section: Section, sizes: tuple[int, ...]) -> None:
    from bench.fleet_time import PUBLISHED, TOAST_WINDOW_LIMIT, WINDOW
    from bench.fleet_time import run as measure

    rows, results = [], []
    for n in sizes:
        r = measure(n)
        results.append(r)
        lag = r.publish_lag
        rows.append([f"{n:,}", fmt(r.warm_s, 0), f"{r.total:,}",
                     " / ".join(f"{r.calls.get(e, 0):,}" for e in ("metadata", "stock", "menus")),
                     f"{r.total / TOAST_WINDOW_LIMIT:.0%}", str(r.refused),
                     f"{fmt(r.metadata_interval, 0)} / {fmt(r.stock_interval, 0)}",
                     f"{fmt(_percentile(lag, 50), 0)} / {fmt(max(lag, default=float('nan')), 0)}"
                     f" ({len(lag)}/{PUBLISHED})",
                     f"{r.repriced:,} in {r.pacer_slices:,} slices",
                     f"{fmt(r.boundary_step_ms, 1)} / {fmt(r.longest_step_ms, 1)}",
                     f"{fmt(r.burst_step_ms, 1)} ({r.burst_n} in {fmt(r.burst_s, 0)} s)"])
    section.add(
        f"Simulated time (`bench/fleet_time.py`): the relay and an in-process simulator that "
        f"enforces Toast's per-client limits (20/s, 10,000 per 15 minutes) share a fake "
        f"clock; all N restaurants configured, default settings. After the warm-up, one "
        f"{WINDOW / 60:g}-minute window: the calls Toast received in it, and {PUBLISHED} "
        f"restaurants publishing a change at its middle (seconds until the relay served "
        f"each new version; without webhooks the effective metadata interval bounds it). The "
        f"window starts at 14:50 New York time and the menus have a 15:00 weekday price, so "
        f"every restaurant re-prices at once: the longest event-loop iteration is the loop "
        f"thread's CPU time between two wake-ups of a task that yields every iteration (CPU "
        f"time, so the shared machine descheduling the process does not count), less the "
        f"time spent inside the in-process simulator answering the relay's Toast calls "
        f"(`SimTime`: in production Toast answers from elsewhere; the relay's side of each "
        f"call, httpx included, counts).")
    section.add(md_table(
        ["N", "warm-up s (simulated)", "Toast calls in 15 min", "metadata / stock / menus",
         "of Toast's 10,000", "429s", "effective intervals s (metadata / stock)",
         "publish → screen s p50 / max", "re-priced at 15:00",
         "longest loop step ms (at the boundary / whole window)",
         "refresh burst after it: longest loop step ms (restaurants in simulated s)"],
        rows))
    for r in results:
        section.targets.append(Target(
            f"g. longest loop step at a price boundary, N={r.n:,}",
            f"{fmt(r.boundary_step_ms, 1)} ms", f"≤ {STALL_GOAL_MS:g} ms",
            r.boundary_step_ms <= STALL_GOAL_MS, f"{r.repriced:,} re-priced"))
        section.targets.append(Target(
            f"g. longest loop step in a {r.burst_n}-restaurant refresh burst, N={r.n:,}",
            f"{fmt(r.burst_step_ms, 1)} ms", f"≤ {STALL_GOAL_MS:g} ms",
            r.burst_step_ms <= STALL_GOAL_MS, "simulated time"))
        section.targets.append(Target(
            f"g. Toast calls per 15 minutes, N={r.n:,}", f"{r.total:,} ({r.refused} refused)",
            f"≤ {TOAST_WINDOW_LIMIT:,}, none refused",
            r.total <= TOAST_WINDOW_LIMIT and r.refused == 0))


def _before_and_during(before: Stalls, during: Stalls) -> list[str]:
    """Table cells: the longest stall before / during, and how many went over the goal."""
    return [f"≤ {fmt(before.longest_ms, 0)} / ≤ {fmt(during.longest_ms, 0)}",
            f"{before.over_goal} / {during.over_goal}"]


def run(tmp: Path, cfg: Config) -> Section:
    section = Section("g. Many restaurants")
    simulated(section, cfg.sizes)
    runs = []
    for n in cfg.sizes:
        runs.append(one_fleet(tmp / f"n{n}", n, cfg))
    rows = []
    for f in runs:
        b = f.burst
        warm = f"{fmt(f.warm_s, 1)}" if f.loaded >= f.n else (
            f"not done: {f.loaded:,}/{f.n:,} in {fmt(f.warm_s, 0)}")
        rows.append([f"{f.n:,}", warm, fmt(f.n * CALLS_PER_RESTAURANT / TOAST_PER_SECOND, 1),
                     fmt(f.rss_mib, 0), fmt(f.per_restaurant_mib, 3), fmt(f.cpu_s_per_min, 2),
                     fmt(f.metrics_kb, 1), fmt(f.status_kb, 1), fmt(b.seconds, 1),
                     f"{fmt(b.quiet_p50_ms, 1)} / {fmt(b.quiet_p99_ms, 1)}",
                     f"{fmt(b.p50_ms, 1)} / {fmt(b.p99_ms, 1)} / {fmt(b.max_ms, 0)}",
                     str(b.errors),
                     *_before_and_during(b.quiet_lag, b.lag),
                     *_before_and_during(b.quiet_held, b.held)])
    section.add(
        f"Each N: `toast-relay sim` with N restaurants of {ITEMS} items ({MODIFIER_GROUPS} "
        f"shared modifier groups, about 240 KB from Toast each) and `toast-relay serve` with "
        f"all N in `RELAY_RESTAURANTS` and a `RELAY_DATA_DIR`, default intervals; the "
        f"simulator allows {TOAST_PER_SECOND} requests/s. Warm-up: from start until every "
        f"restaurant has a copy (floor: {CALLS_PER_RESTAURANT} calls each at "
        f"{TOAST_PER_SECOND}/s). MiB/restaurant: (RSS with N − RSS with 1) / (N − 1). CPU: "
        f"the relay's user+system seconds per minute at rest over {cfg.cpu_seconds:g} s. "
        f"Burst: {BURST} restaurants published in the simulator and refreshed at once "
        f"through /admin/refresh (what a webhook does) while {POLLERS} screens poll random "
        f"restaurants' /menu; loop stall: from the relay's own `relay_event_loop_lag_seconds` "
        f"histogram (a 50 ms timer's lateness) over the burst, as the bucket bound of the "
        f"longest; held: the same less the time the relay's loop thread waited for a CPU "
        f"behind other processes "
        f"(`relay_event_loop_held_seconds`, from Linux's schedstat), the part the relay's "
        f"own work held the loop. "
        + ("Through the quiet seconds and the burst the relay has CPU 0 to itself and the "
           "simulator and the screens share the other (`bench.procs.own_core`): on two "
           "shared cores the relay also waits while the simulator serves the burst's "
           "/menus, and its timer counts that wait, which is no work of the relay's."
           if all(f.burst.own_core for f in runs) else
           "The relay shares its CPU with the simulator and the screens (this machine "
           "gave it none of its own), so its timer also counts waiting for them."))
    section.add(md_table(
        ["N", "warm-up s", "floor s", "RSS MiB", "MiB/restaurant", "CPU s/min",
         "/metrics KB", "/admin/status KB", "burst s", "screens before p50/p99 ms",
         "screens during p50/p99/max ms",
         "errors", "loop stall max ms before / during",
         f"stalls > {STALL_GOAL_MS:g} ms before / during",
         "held max ms before / during", f"held > {STALL_GOAL_MS:g} ms before / during"],
        rows))
    footprint(section, cfg.footprint_n)
    for f in runs:
        section.targets.append(Target(
            f"g. resident memory per restaurant, N={f.n:,}", f"{fmt(f.per_restaurant_mib, 3)} MiB",
            f"≤ {MIB_GOAL} MiB", f.per_restaurant_mib <= MIB_GOAL))
        section.targets.append(Target(
            f"g. longest loop hold (the relay's own), {min(BURST, f.n)}-restaurant burst, "
            f"N={f.n:,}", f"≤ {fmt(f.burst.held.longest_ms, 0)} ms (lag ≤ "
            f"{fmt(f.burst.lag.longest_ms, 0)} ms)", f"≤ {STALL_GOAL_MS:g} ms",
            f.burst.held.longest_ms <= STALL_GOAL_MS))
    return section
