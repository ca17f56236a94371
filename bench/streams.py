"""Many ``/events`` streams on one relay: held, memory per stream, fan-out, shutdown.

The relay and the simulator run as real processes on 127.0.0.1; this process
opens N streams over loopback (raw asyncio sockets, one reader task each) and
then, ``rounds`` times, posts a signed Toast stock webhook (out of stock / back in
stock, alternately: applied without a call to Toast) and times, from just before
the POST, when each stream reads its ``event: update``. Per round the lag of the
last stream is the fan-out time; p50/p95/max are over rounds. Alongside, a probe
in its own process asks a cached ``/menu`` over one keep-alive connection, without
streams and then during the fan-outs (p99 of each). RSS per stream is the relay's
VmRSS growth from before the streams to all N open, divided by N. Last, SIGTERM
with all streams open, timed to the process's exit.

Part i of ``python -m bench`` (``--only i --streams 1000,5000``) runs it beside the
restart storm (``bench/storm.py``); ``python -m bench.streams 1000,5000`` runs it alone.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from bench.procs import Procs, proc_status, start_relay, start_sim
from bench.report import Section, Target, fmt, md_table, pct
from bench.serving import KEY, relay_env
from bench.sse_client import TIMEOUT, Fleet

STOCK_SECRET = "bench-stock-webhook-secret"  # noqa: S105 - local benchmark only


@dataclass(frozen=True)
class Figures:
    streams: int
    held: int
    rss_kib_per_stream: float
    fan_out_s: list[float]
    menu_p99_quiet_ms: float
    menu_p99_fan_out_ms: float
    sigterm_exit_s: float

    def pct(self, q: float) -> float:
        return pct(self.fan_out_s, q)


def _stock_webhook(guid: str, item: str, out: bool) -> tuple[bytes, dict[str, str]]:
    from app.sim.webhooks import toast_time
    from app.webhooks.signature import sign

    stamp = toast_time(time.time())
    kind = "out_of_stock" if out else "in_stock"
    body = orjson.dumps({"timestamp": stamp, "eventCategory": "stock", "eventType": kind,
                         "guid": str(uuid.uuid4()), "details": {
                             "restaurantGuid": guid, "itemGuid": item,
                             "status": "OUT_OF_STOCK" if out else "IN_STOCK",
                             "multiLocationId": None, "versionId": None}})
    return body, {"Content-Type": "application/json", "Toast-Signature": sign(
        body, stamp, STOCK_SECRET), "Toast-Event-Type": kind, "Toast-Event-Category": "stock",
        "Toast-Restaurant-External-ID": guid}


def _probe(url: str, seconds: float) -> float:
    """p99 ms of cached /menu answers asked back to back for ``seconds``, in a child
    process (so that this process's 5,000 readers do not count in it)."""
    code = ("import httpx,sys,time,orjson\n"
            "u,s,k=sys.argv[1],float(sys.argv[2]),sys.argv[3]\n"
            "c=httpx.Client(headers={'X-API-Key':k},timeout=10);c.get(u)\n"
            "t=[];end=time.perf_counter()+s\n"
            "while time.perf_counter()<end:\n"
            " a=time.perf_counter();r=c.get(u);t.append(time.perf_counter()-a)\n"
            " time.sleep(0.002)\n"
            "print(orjson.dumps(t).decode())\n")
    out = subprocess.run([sys.executable, "-c", code, url, str(seconds), KEY],  # noqa: S603
                         capture_output=True, check=True, timeout=seconds + 60).stdout
    return 1000 * pct(orjson.loads(out), 0.99)


async def _fan_out(url: str, guid: str, item: str, fleet: Fleet, rounds: int,
                   gap: float) -> list[float]:
    lags: list[float] = []
    async with httpx.AsyncClient(timeout=TIMEOUT) as c:
        for i in range(rounds):
            fleet.arrivals.clear()
            fleet.all_heard.clear()
            body, headers = _stock_webhook(guid, item, out=i % 2 == 0)
            started = time.perf_counter()
            r = await c.post(f"{url}/webhooks/toast", content=body, headers=headers)
            r.raise_for_status()
            try:
                await asyncio.wait_for(fleet.all_heard.wait(), TIMEOUT)
            except TimeoutError:
                raise RuntimeError(f"round {i}: {len(fleet.arrivals)} of {fleet.held} "
                                   f"streams heard the change within {TIMEOUT} s") from None
            lags.append(max(fleet.arrivals) - started)
            await asyncio.sleep(max(0.0, started + gap - time.perf_counter()))
    return lags


def measure(tmp: Path, n: int, rounds: int = 20, gap: float = 1.5) -> Figures:
    from app.fdlimit import raise_open_files_limit
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    raise_open_files_limit()  # this process holds the other end of every stream
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        relay, url = start_relay(procs, tmp, relay_env(
            sim_url, RELAY_WEBHOOK_SECRET=STOCK_SECRET, RELAY_RESTAURANTS=GUID,
            RELAY_ACCESS_LOG="false", RELAY_EVENTS_MAX_CONNECTIONS=str(n + 100)))
        menu_url = f"{url}/menu/{GUID}"
        rows = httpx.get(menu_url, headers={"X-API-Key": KEY}, timeout=30).json()["items"]
        item = next(r["guid"] for r in rows if not r["outOfStock"])
        quiet = _probe(menu_url, 5.0)
        rss_before = proc_status(relay.pid)["VmRSS"]
        fleet = Fleet()
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(fleet.open(int(url.rsplit(":", 1)[1]),
                                               f"/events/{GUID}", n))
            time.sleep(1.0)
            rss_after = proc_status(relay.pid)["VmRSS"]
            fan = loop.run_in_executor(None, _probe, menu_url, rounds * gap)
            lags = loop.run_until_complete(_fan_out(url, GUID, item, fleet, rounds, gap))
            busy = loop.run_until_complete(fan)
            started = time.perf_counter()
            relay.proc.send_signal(15)
            relay.proc.wait(60)
            exit_s = time.perf_counter() - started
            loop.run_until_complete(fleet.close())
        finally:
            loop.close()
        return Figures(n, fleet.held, (rss_after - rss_before) / max(1, fleet.held), lags,
                       quiet, busy, exit_s)


def run(tmp: Path, sizes: tuple[int, ...] = (1000, 5000), rounds: int = 20) -> Section:
    """Part i's streams table; targets (the issue's goals) at the largest size."""
    section = Section("i. Push at scale: many /events streams on one replica")
    rows: list[list[str]] = []
    for n in sizes:
        (tmp / str(n)).mkdir(exist_ok=True)
        f = measure(tmp / str(n), n, rounds)
        rows.append([str(n), str(f.held), fmt(f.rss_kib_per_stream), fmt(1000 * f.pct(0.5)),
                     fmt(1000 * f.pct(0.95)), fmt(1000 * max(f.fan_out_s)),
                     fmt(f.menu_p99_quiet_ms), fmt(f.menu_p99_fan_out_ms),
                     fmt(f.sigterm_exit_s, 2)])
        if n == max(sizes):
            section.targets += [
                Target("/events streams held by one replica", f"{f.held} of {n}",
                       f"all {n}", f.held >= n),
                Target(f"fan-out to {n} streams, p95", f"{fmt(1000 * f.pct(0.95))} ms",
                       "<= 1000 ms", f.pct(0.95) <= 1.0),
                Target(f"memory per open stream ({n})", f"{fmt(f.rss_kib_per_stream)} KiB",
                       "<= 32 KiB", f.rss_kib_per_stream <= 32),
                Target(f"cached /menu p99 during fan-out to {n}",
                       f"{fmt(f.menu_p99_fan_out_ms)} ms",
                       f"<= 3x quiet ({fmt(f.menu_p99_quiet_ms)} ms)",
                       f.menu_p99_fan_out_ms <= 3 * f.menu_p99_quiet_ms),
                Target(f"SIGTERM with {n} streams", f"{fmt(f.sigterm_exit_s, 2)} s",
                       "<= 10 s", f.sigterm_exit_s <= 10)]
    section.add(md_table(["streams", "held", "RSS KiB/stream", "fan-out p50 ms",
                          "p95 ms", "max ms", "/menu p99 quiet ms", "/menu p99 fan-out ms",
                          "SIGTERM → exit s"], rows))
    section.add(f"{rounds} stock webhooks per size, 1.5 s apart; fan-out = webhook POST "
                "sent → the last stream read its update (client and relay share the host).")
    return section


if __name__ == "__main__":
    counts = tuple(int(c) for c in (sys.argv[1] if len(sys.argv) > 1 else "1000,5000")
                   .split(","))
    with tempfile.TemporaryDirectory(prefix="toast-relay-streams-") as d:
        print(run(Path(d), counts).markdown())
