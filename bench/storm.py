"""Part i: a relay restarted under N boards, and how they come back (the reconnection storm).

The relay (with ``RELAY_DATA_DIR``) and the simulator run as real processes on
127.0.0.1. This process plays N boards of one restaurant over raw asyncio sockets
(``bench/sse_client.py``): each holds an ``/events`` stream and, when the stream
ends, does what board.js does: waits ``delay(n, r)`` (1 s plus a random part of 25 s,
the same again after a first failed attempt, then 30 s, 60 s, … more), reopens
the stream naming the last version it was told of (``?lastEventId=``, as the board
sends it) and asks for ``/board/{r}?part=content`` with ``If-None-Match`` of the
content ETag it had (a real board asks at its next poll, or at once if the stream
announces a version it missed: so one content request per board is the most a
restart costs).

With all N open the relay gets SIGTERM (timed to its exit, N streams open) and a
new one is started on the same port with the same data directory. Measured: when
each board is back (its stream open again, seconds after the SIGTERM), the time
until all are, reconnections per 3 s, the share of content requests answered 304,
streams told of a version on reconnecting (0 when the version is the same across
the restart), and ``/healthz`` latency from a separate process probing every 50 ms
on a new connection (``bench/healthz_probe.py``) from the new process's first
answer until the last board has its content (p99; a failed probe counts as 5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.healthz_probe import TIMEOUT as PROBE_TIMEOUT
from bench.healthz_probe import probes
from bench.procs import Proc, Procs, start_relay, start_sim
from bench.serving import KEY, relay_env
from bench.sse_client import (
    ERRORS,
    OPEN_AT_ONCE,
    TIMEOUT,
    UPDATE,
    Streams,
    delay,
    fetch,
    last_event_id,
    request,
)

ROOT = Path(__file__).resolve().parent.parent
PROBE_EVERY = 0.05
LIMIT = 120.0
"""Seconds after the SIGTERM the boards are waited for (a board whose first try met the
relay still down waits up to 26 s more, then 30 s and more)."""
BUCKET = 3.0


@dataclass
class Board:
    seen: str = ""
    back: float = math.nan
    """When its stream was open again (monotonic)."""
    attempts: int = 0
    content: int = 0
    """The content request's status after reconnecting (-1: no answer)."""
    told: bool = False
    """The reopened stream announced a version (the board missed one, or it changed)."""


class Boards(Streams):
    def __init__(self, port: int, guid: str, content_etag: str, seed: int = 25) -> None:
        super().__init__()
        self.port, self.guid, self.content_etag = port, guid, content_etag
        self.rng = random.Random(seed)
        self.boards: list[Board] = []
        self.deadline = math.inf
        self.done = 0
        self.all_done = asyncio.Event()

    def _events(self, seen: str) -> str:
        last = f"&lastEventId={quote(seen, safe='')}" if seen else ""
        return f"/events/{self.guid}?key={KEY}{last}"

    async def open(self, n: int) -> None:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        await asyncio.gather(*(self._open_one(gate) for _ in range(n)))

    async def _open_one(self, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                reader, writer, status = await request(self.port, self._events(""))
                self._writers.append(writer)
                if status != 200:
                    return
                opening = await asyncio.wait_for(reader.readuntil(UPDATE), TIMEOUT)
            except ERRORS:
                return
        board = Board(seen=last_event_id(opening, ""))
        self.boards.append(board)
        self._tasks.append(asyncio.ensure_future(self._life(board, reader)))

    async def _life(self, board: Board, reader: asyncio.StreamReader) -> None:
        with_content = f"/board/{self.guid}?key={KEY}&part=content"
        try:
            while chunk := await reader.read(65536):
                board.seen = last_event_id(chunk, board.seen)
        except ERRORS:
            pass
        while True:  # the stream ended: board.js's onerror, then listen() again
            board.attempts += 1
            wait = delay(board.attempts, self.rng.random())
            if time.monotonic() + wait > self.deadline:
                return
            await asyncio.sleep(wait)
            try:
                reader, writer, status = await request(self.port, self._events(board.seen))
            except ERRORS:
                continue
            if status == 200:
                self._writers.append(writer)
                break
            writer.close()
        board.back = time.monotonic()
        try:
            board.content = await fetch(self.port, with_content,
                                        {"If-None-Match": self.content_etag})
        except ERRORS:
            board.content = -1
        self.done += 1
        if self.done == len(self.boards):
            self.all_done.set()
        try:
            while chunk := await reader.read(65536):
                board.told = board.told or UPDATE in chunk
        except ERRORS:
            return


@dataclass
class Storm:
    streams: int
    held: int
    sigterm_exit_s: float
    restart_s: float
    """SIGTERM → the new process's first /healthz answer."""
    back_s: list[float]
    """Each board back, seconds after the SIGTERM."""
    retried: int
    content: Counter[int]
    told: int
    odd_back_s: list[float]
    """When the boards whose content request was not a 304 came back (after the SIGTERM)."""
    healthz_s: list[float] = field(default_factory=list)
    healthz_failed: int = 0

    @property
    def all_back_s(self) -> float:
        return max(self.back_s) if len(self.back_s) == self.held and self.back_s else math.inf

    @property
    def share_304(self) -> float:
        return self.content[304] / self.held if self.held else math.nan

    def buckets(self) -> list[tuple[float, int]]:
        """Reconnections per ``BUCKET`` seconds after the SIGTERM: (start, count)."""
        counts = Counter(int(b // BUCKET) for b in self.back_s)
        return [(i * BUCKET, counts[i]) for i in range(max(counts, default=-1) + 1)]

    def peak_per_second(self) -> int:
        return max(Counter(int(b) for b in self.back_s).values(), default=0)


async def _storm(procs: Procs, tmp: Path, env: dict[str, str], relay: Proc, port: int,
                 n: int, etag: str, guid: str) -> tuple[Storm, float, float]:
    boards = Boards(port, guid, etag)
    await boards.open(n)
    await asyncio.sleep(1.0)
    boards.deadline = time.monotonic() + LIMIT
    sigterm = time.monotonic()
    relay.proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(relay.proc.wait, 60)
    exited = time.monotonic()
    await asyncio.to_thread(start_relay, procs, tmp, env, "relay-restarted", port)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(boards.all_done.wait(), boards.deadline - time.monotonic())
    done = time.monotonic()
    await boards.close()
    back = sorted(b.back - sigterm for b in boards.boards if b.back == b.back)
    storm = Storm(n, len(boards.boards), exited - sigterm, math.nan, back,
                  sum(1 for b in boards.boards if b.attempts > 1 and b.back == b.back),
                  Counter(b.content for b in boards.boards if b.back == b.back),
                  sum(1 for b in boards.boards if b.told),
                  sorted(b.back - sigterm for b in boards.boards
                         if b.back == b.back and b.content != 304))
    return storm, sigterm, done


def _saved(data: Path, timeout: float = 30.0) -> None:
    """Wait until the relay has saved a copy to ``data`` (what the restarted one serves)."""
    deadline = time.monotonic() + timeout
    while not (data.is_dir() and any(p.is_file() for p in data.rglob("*"))):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay saved nothing to {data} within {timeout} s")
        time.sleep(0.1)


def measure(tmp: Path, n: int) -> Storm:
    from app.fdlimit import raise_open_files_limit
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    raise_open_files_limit()  # this process holds the other end of every stream
    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        env = relay_env(sim_url, RELAY_RESTAURANTS=GUID, RELAY_ACCESS_LOG="false",
                        RELAY_DATA_DIR=str(tmp / "data"),
                        RELAY_EVENTS_MAX_CONNECTIONS=str(n + 100))
        relay, url = start_relay(procs, tmp, env)
        port = int(url.rsplit(":", 1)[1])
        content = httpx.get(f"{url}/board/{GUID}?key={KEY}&part=content", timeout=30)
        content.raise_for_status()
        _saved(tmp / "data")
        probe = procs.start(Proc("healthz-probe", [
            sys.executable, "-m", "bench.healthz_probe", str(port), str(PROBE_EVERY),
            str(LIMIT + 120)], tmp / "healthz.log", cwd=ROOT))
        storm, sigterm, done = asyncio.run(_storm(procs, tmp, env, relay, port, n,
                                                  content.headers["etag"], GUID))
        probe.stop()
        lines = probes(probe.log_path.read_text())
    after = [(t, s) for t, s in lines if t > sigterm + storm.sigterm_exit_s]
    ready = next((t + s for t, s in after if s >= 0), math.nan)
    during = [s for t, s in after if ready <= t <= done]
    storm.restart_s = ready - sigterm
    storm.healthz_s = [PROBE_TIMEOUT if s < 0 else s for s in during]
    storm.healthz_failed = sum(1 for s in during if s < 0)
    return storm
