"""Part a: cached ``GET /menu/{restaurant}`` against the bare-Starlette floor and nginx."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.load import LoadGenerator, LoadResult
from bench.nginx import start_microcache, start_nginx
from bench.procs import (
    HOST,
    Proc,
    Procs,
    cpu_seconds,
    free_port,
    start_redis,
    start_relay,
    start_sim,
)
from bench.report import (
    Section,
    Target,
    fmt,
    fmt_ratio,
    histogram,
    longest_and_over,
    md_table,
    median,
    ratio,
)
from bench.variants import VARIANTS

KEY = "bench-screen-key-0123456789abcdef"
COPIED_HEADERS = ("ETag", "Cache-Control", "Last-Modified", "X-Cache")
RELAY, FLOOR, NGINX = "relay (toast-relay serve)", "bare Starlette floor", "nginx (static file)"
MICRO = "nginx micro-cache before the relay"
SHARED = "relay with REDIS_URL"
VARIANT_NAMES = {"quiet": "diag: relay, access log disabled",
                 "starlette": "diag: relay routes on bare Starlette, no access log"}
P99_LIMIT_MS = 10.0
STALL_MS = 20.0
RATIO_GOAL = 0.95
P99_RATIO_GOAL = 1.5


@dataclass(frozen=True)
class Config:
    seconds: float
    reps: int
    connections: tuple[int, ...]
    diagnose: bool = False


@dataclass
class Server:
    name: str
    url: str
    etag: str
    body: bytes
    diagnostic: bool = False
    pid: int | None = None
    """The server process, for its CPU time per request (None: not one process, nginx)."""


def relay_env(sim_url: str, **extra: str) -> dict[str, str]:
    from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET

    env = {"TOAST_API_URL": sim_url, "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
           "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
           "RELAY_REFRESH_INTERVAL": "60", "RELAY_STOCK_INTERVAL": "60"}
    env.update(extra)
    return env


def _capture(relay_url: str, guid: str, tmp: Path) -> tuple[bytes, dict[str, str], str]:
    url = f"{relay_url}/menu/{guid}"
    first = httpx.get(url, headers={"X-API-Key": KEY}, timeout=30)
    first.raise_for_status()
    again = httpx.get(url, headers={"X-API-Key": KEY}, timeout=30)
    again.raise_for_status()
    if again.content != first.content or again.headers.get("x-cache") != "HIT":
        raise RuntimeError("the relay's second answer was not a cache HIT of the same bytes")
    headers = {h: again.headers[h] for h in COPIED_HEADERS}
    tmp.mkdir(parents=True, exist_ok=True)
    media = again.headers["content-type"].split(";")[0]
    (tmp / "menu.json").write_bytes(again.content)
    (tmp / "meta.json").write_text(json.dumps({"headers": headers, "mediaType": media}))
    return again.content, headers, media


def start_floor(procs: Procs, tmp: Path, body: Path) -> tuple[Proc, str]:
    """The bare-Starlette floor serving ``body`` with the headers in ``tmp/meta.json``."""
    port = free_port()
    floor = procs.start(Proc("floor", [sys.executable, "-m", "bench.floor", "--port",
                                       str(port), "--body", str(body),
                                       "--meta", str(tmp / "meta.json")],
                             tmp / "floor.log", cwd=Path(__file__).resolve().parent.parent))
    url = f"http://{HOST}:{port}"
    floor.wait_http(f"{url}/menu/x")
    return floor, url


def _verify(t: Server, auth: dict[str, str]) -> None:
    url = t.url
    ok = httpx.get(url, headers=auth, timeout=10)
    if ok.status_code != 200 or ok.content != t.body:
        raise RuntimeError(f"{t.name} does not serve the expected bytes ({ok.status_code})")
    nm = httpx.get(url, headers={**auth, "If-None-Match": t.etag}, timeout=10)
    if nm.status_code != 304:
        raise RuntimeError(f"{t.name} answered {nm.status_code} to If-None-Match, not 304")


def _variant(procs: Procs, tmp: Path, variant: str, sim_url: str, guid: str,
             size: int) -> Server:
    port = free_port()
    proc = procs.start(Proc(f"relay-{variant}", [
        sys.executable, "-m", "bench.variants", variant, "--port", str(port)],
        tmp / f"relay-{variant}.log", env=relay_env(sim_url),
        cwd=Path(__file__).resolve().parent.parent))
    url = f"http://{HOST}:{port}"
    proc.wait_http(f"{url}/healthz")
    body, headers, _ = _capture(url, guid, tmp / variant)
    if len(body) != size:  # only fetchedAt may differ from the shipped relay's copy
        raise RuntimeError(f"variant {variant} serves {len(body)} bytes, not {size}")
    return Server(VARIANT_NAMES[variant], f"{url}/menu/{guid}", headers["ETag"], body,
                  diagnostic=True, pid=proc.pid)


def _own_stalls(before: str, after: str) -> str:
    """What the relay itself saw during the load runs: its event loop held (a 50 ms timer
    woken late) and garbage-collector pauses, from its own /metrics."""
    lag = longest_and_over(histogram(before, "relay_event_loop_lag_seconds"),
                           histogram(after, "relay_event_loop_lag_seconds"), STALL_MS / 1000)
    parts = [f"Where a tail could come from, as the shipped relay measured itself over all "
             f"load runs (`/metrics`): its event loop was held > {STALL_MS:g} ms "
             f"{lag[1]} times in {lag[2]:,} samples of a 50 ms timer (longest ≤ "
             f"{fmt(lag[0] * 1000, 0)} ms)"]
    for gen in (0, 1, 2):
        pauses = longest_and_over(
            histogram(before, "relay_gc_pause_seconds", f'generation="{gen}"'),
            histogram(after, "relay_gc_pause_seconds", f'generation="{gen}"'), STALL_MS / 1000)
        parts.append(f"generation-{gen} collections: {pauses[2]:,} (longest ≤ "
                     f"{fmt(pauses[0] * 1000, 0)} ms)")
    return "; ".join(parts) + (". Requests waiting for one another at saturation (wrk "
                               "and the server share the 2 CPUs) are not loop stalls.")


def run(tmp: Path, cfg: Config, load: LoadGenerator) -> Section:
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    section = Section("a. Cached GET /menu/{restaurant}: relay vs bare Starlette vs nginx")
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        relay, relay_url = start_relay(procs, tmp, relay_env(sim_url))
        body, headers, _ = _capture(relay_url, GUID, tmp)
        floor, floor_url = start_floor(procs, tmp, tmp / "menu.json")
        targets = [Server(RELAY, f"{relay_url}/menu/{GUID}", headers["ETag"], body,
                          pid=relay.pid),
                   Server(FLOOR, f"{floor_url}/menu/{GUID}", headers["ETag"], body,
                          pid=floor.pid)]
        redis_url = start_redis(procs, tmp)
        if redis_url is not None:  # the same relay sharing state through Redis
            shared, shared_url = start_relay(
                procs, tmp, relay_env(sim_url, REDIS_URL=redis_url), name="relay-redis")
            shared_body, shared_headers, _ = _capture(shared_url, GUID, tmp / "redis")
            targets.append(Server(SHARED, f"{shared_url}/menu/{GUID}", shared_headers["ETag"],
                                  shared_body, pid=shared.pid))
        nginx_url = start_nginx(procs, tmp / "nginx", body)
        if nginx_url:
            etag = httpx.get(f"{nginx_url}/menu/{GUID}").headers["etag"]
            targets.append(Server(NGINX, f"{nginx_url}/menu/{GUID}", etag, body))
        micro_url = start_microcache(procs, tmp / "nginx-microcache", relay_url)
        if micro_url:  # deploy/nginx's micro-cache, on: cached hits answered by nginx
            targets.append(Server(MICRO, f"{micro_url}/menu/{GUID}", headers["ETag"], body))
        if cfg.diagnose:
            targets += [_variant(procs, tmp, v, sim_url, GUID, len(body)) for v in VARIANTS]
        auth = {"X-API-Key": KEY}
        for t in targets:
            _verify(t, auth)
        calls_before = httpx.get(f"{sim_url}/_sim/calls").json()["total"]
        own_before = httpx.get(f"{relay_url}/metrics").text
        results: dict[tuple[str, str, int], list[LoadResult]] = {}
        cpu: dict[tuple[str, str, int], list[float]] = {}
        """CPU µs the server process spent per request, per run."""
        for t in targets:  # warm-up, not recorded
            load.run(t.url, auth, max(cfg.connections), 1)
        for _ in range(cfg.reps):
            for conns in cfg.connections:
                for path in ("200", "304"):
                    for t in targets:  # side by side: every target once per repetition
                        if t.diagnostic and conns != min(cfg.connections):
                            continue
                        hdrs = auth if path == "200" else {**auth, "If-None-Match": t.etag}
                        before = cpu_seconds(t.pid) if t.pid else 0.0
                        r = load.run(t.url, hdrs, conns, cfg.seconds)
                        results.setdefault((t.name, path, conns), []).append(r)
                        if t.pid and r.requests:
                            cpu.setdefault((t.name, path, conns), []).append(
                                (cpu_seconds(t.pid) - before) / r.requests * 1e6)
        calls_after = httpx.get(f"{sim_url}/_sim/calls").json()
        own_after = httpx.get(f"{relay_url}/metrics").text
        relay_requests = sum(r.requests for (n, _, _), rs in results.items() if n == RELAY
                             for r in rs)
        with (tmp / "relay.log").open("rb") as log:
            log_lines = sum(1 for _ in log)

    names = [t.name for t in targets]
    n_relays = 1 + sum(t.diagnostic or t.name == SHARED for t in targets)
    rows: list[list[str]] = []
    for conns in cfg.connections:
        for path in ("200", "304"):
            floor_runs = results[(FLOOR, path, conns)]
            for name in names:
                runs = results.get((name, path, conns), [])
                if not runs:
                    continue
                side = [ratio(r.rps, f.rps) for r, f in zip(runs, floor_runs, strict=True)]
                used = cpu.get((name, path, conns))
                floor_used = cpu.get((FLOOR, path, conns))
                rows.append([name, path, str(conns), fmt(median([r.rps for r in runs]), 0),
                             fmt(median([r.p50_ms for r in runs]), 2),
                             fmt(median([r.p99_ms for r in runs]), 2),
                             fmt_ratio(median(side)),
                             fmt(median(used), 1) if used else "",
                             fmt_ratio(median([ratio(u, f) for u, f in zip(
                                 used, floor_used, strict=True)])) if used and floor_used
                             else "",
                             str(sum(r.errors for r in runs))])
    section.add(
        f"Body: {len(body):,} bytes of JSON (the sample restaurant), captured from the relay; "
        f"the floor serves the same bytes and headers ({', '.join(COPIED_HEADERS)}). "
        f"Load: {load.tool} ({load.threads} threads, on the same {os.cpu_count()} CPUs as the "
        f"server), {cfg.seconds:g} s per run, {cfg.reps} repetitions interleaved "
        f"target by target; medians. × floor = median of per-repetition ratios. "
        f"Every server: one process on {HOST}, uvicorn defaults (uvloop + httptools), "
        f"uvicorn access log off; nginx: 1 worker, access_log off, sendfile. CPU µs/req: "
        f"the server process's user + system time during a run over the requests it served "
        f"(steadier than req/s on a shared machine: what saturated throughput is the "
        f"inverse of, when the server has a core to itself).")
    section.add(md_table(["server", "status", "conns", "req/s", "p50 ms", "p99 ms",
                          "× floor", "CPU µs/req", "CPU × floor", "errors"], rows))
    section.add(
        f"The relay's own access log (app/api/access_log.py, one JSON line per request to stderr) "
        f"was **on**, written to a file: {log_lines:,} lines for {relay_requests:,} measured "
        f"requests plus warm-up. Toast calls during the load runs (background metadata/stock "
        f"checks of {n_relays} relay process(es); none caused by requests): "
        f"{calls_after['total'] - calls_before} ({calls_after['calls']} in total since start).")
    section.add(_own_stalls(own_before, own_after))
    def vs_floor(target: str, path: str, conns: int, attr: str) -> float:
        """Median over repetitions of ``target``'s figure divided by the floor's."""
        return median([ratio(getattr(r, attr), getattr(f, attr)) for r, f in zip(
            results[(target, path, conns)], results[(FLOOR, path, conns)], strict=True)])

    for path in ("200", "304"):
        for conns in cfg.connections:
            m = vs_floor(RELAY, path, conns, "rps")
            section.targets.append(Target(
                f"a. relay {path} at {conns} conns vs floor", fmt_ratio(m),
                f"≥ {RATIO_GOAL}×", m >= RATIO_GOAL))
            tail = vs_floor(RELAY, path, conns, "p99_ms")
            section.targets.append(Target(
                f"a. relay {path} p99 at {conns} conns vs floor's p99", fmt_ratio(tail),
                f"≤ {P99_RATIO_GOAL}×", tail <= P99_RATIO_GOAL))
        for conns in cfg.connections if (SHARED, path, cfg.connections[0]) in results else ():
            m = vs_floor(SHARED, path, conns, "rps")
            section.targets.append(Target(
                f"a. relay with REDIS_URL {path} at {conns} conns vs floor", fmt_ratio(m),
                f"≥ {RATIO_GOAL}×", m >= RATIO_GOAL))
        p99 = median([r.p99_ms for r in results[(RELAY, path, min(cfg.connections))]])
        section.targets.append(Target(
            f"a. relay {path} p99 at {min(cfg.connections)} conns", f"{fmt(p99, 2)} ms",
            f"≤ {P99_LIMIT_MS:g} ms", p99 <= P99_LIMIT_MS))
    return section
