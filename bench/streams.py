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

``python -m bench.streams 1000,5000`` prints the figures; ``run`` gives a Section.
"""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from bench.procs import HOST, Procs, proc_status, start_relay, start_sim
from bench.report import Section, Target, fmt, md_table
from bench.serving import KEY, relay_env

STOCK_SECRET = "bench-stock-webhook-secret"  # noqa: S105 - local benchmark only
OPEN_AT_ONCE = 100
TIMEOUT = 30.0


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
        ordered = sorted(self.fan_out_s)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


class Fleet:
    """N open streams; ``arrivals`` gets the time each stream reads an update."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.held = 0
        self.all_heard = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def open(self, port: int, path: str, n: int) -> None:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        await asyncio.gather(*(self._open_one(port, path, gate) for _ in range(n)))

    async def _open_one(self, port: int, path: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
                writer.write(f"GET {path} HTTP/1.1\r\nHost: relay\r\n"
                             f"X-API-Key: {KEY}\r\n\r\n".encode())
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
                self._writers.append(writer)
                if not head.startswith(b"HTTP/1.1 200"):
                    return
                await asyncio.wait_for(reader.readuntil(b"event: update"), TIMEOUT)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                return
            self.held += 1
        self._tasks.append(asyncio.ensure_future(self._read(reader)))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        with_update = b"event: update"
        try:
            while True:
                chunk = await reader.readuntil(b"\n\n")
                if with_update in chunk:
                    self.arrivals.append(time.perf_counter())
                    if len(self.arrivals) >= self.held:
                        self.all_heard.set()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            writer.close()


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
    lat: list[float] = sorted(orjson.loads(out))
    return 1000 * lat[max(0, math.ceil(0.99 * len(lat)) - 1)]


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


def measure(tmp: Path, n: int, rounds: int = 10, gap: float = 1.5) -> Figures:
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


def run(tmp: Path, sizes: tuple[int, ...] = (1000, 5000), rounds: int = 10) -> Section:
    section = Section("Many /events streams on one replica")
    rows: list[list[str]] = []
    for n in sizes:
        (tmp / str(n)).mkdir(exist_ok=True)
        f = measure(tmp / str(n), n, rounds)
        rows.append([str(n), str(f.held), fmt(f.rss_kib_per_stream), fmt(1000 * f.pct(0.5)),
                     fmt(1000 * f.pct(0.95)), fmt(1000 * max(f.fan_out_s)),
                     fmt(f.menu_p99_quiet_ms), fmt(f.menu_p99_fan_out_ms),
                     fmt(f.sigterm_exit_s, 2)])
        if n >= 5000:
            section.targets += [
                Target(f"fan-out to {n} streams, p95", f"{fmt(1000 * f.pct(0.95))} ms",
                       "<= 1000 ms", f.pct(0.95) <= 1.0),
                Target("memory per open stream", f"{fmt(f.rss_kib_per_stream)} KiB",
                       "<= 32 KiB", f.rss_kib_per_stream <= 32),
                Target("cached /menu p99 during fan-out", f"{fmt(f.menu_p99_fan_out_ms)} ms",
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
