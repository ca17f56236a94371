"""Many ``/events`` clients from one asyncio loop over raw loopback sockets.

``request`` opens one connection and reads an answer's head, ``fetch`` reads a whole
answer (``Connection: close``) and gives its status; ``Fleet`` holds N streams and
notes when each reads an update (part i's fan-out); ``delay`` is the board's rule
for when to reopen a stream that ended (``delay(n, r)`` in
``app/board/templates/board.js``), which part i's restart storm follows.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping

from bench.procs import HOST
from bench.serving import KEY

OPEN_AT_ONCE = 100
"""Connections being opened at one time (the rest wait their turn)."""
TIMEOUT = 30.0
"""Seconds an answer's head, or a stream's opening update, may take."""
EVENT_ID = re.compile(rb"id: ([^\n]*)\nevent: update")
UPDATE = b"event: update"
ERRORS = (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)
"""What a client meets when the relay is gone, refuses, or ends a stream."""


def delay(n: int, r: float) -> float:
    """Seconds a board waits before stream attempt ``n`` (n > 1: the last one failed too),
    ``r`` in [0, 1): 1 s plus up to 25 s at random, twice (a relay still starting), then
    a back-off from 30 s up to 10 minutes plus the same jitter (board.js's ``delay``, in
    seconds)."""
    return (min(600.0, 3.75 * 2**n) if n > 2 else 1.0) + r * 25.0


def last_event_id(chunk: bytes, seen: str) -> str:
    """The ``id:`` of the last update in ``chunk``, else ``seen``."""
    found = EVENT_ID.findall(chunk)
    return found[-1].decode("latin-1") if found else seen


async def request(port: int, path: str, headers: Mapping[str, str] | None = None,
                  ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, int]:
    """A ``GET`` over a new connection: the reader past the head, the writer, the status."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        lines = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        writer.write(f"GET {path} HTTP/1.1\r\nHost: relay\r\n{lines}\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    except BaseException:
        writer.close()
        raise
    return reader, writer, int(head.split(b" ", 2)[1])


async def fetch(port: int, path: str, headers: Mapping[str, str] | None = None) -> int:
    """The status of a whole ``GET`` (body read to the end, connection closed)."""
    reader, writer, status = await request(port, path, {**(headers or {}),
                                                        "Connection": "close"})
    try:
        async with asyncio.timeout(TIMEOUT):
            while await reader.read(65536):
                pass
    finally:
        writer.close()
    return status


class Streams:
    """Open connections and the tasks reading them, all ended by ``close``."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            writer.close()


class Fleet(Streams):
    """N open streams; ``arrivals`` gets the time each stream reads an update."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []
        self.held = 0
        self.all_heard = asyncio.Event()

    async def open(self, port: int, path: str, n: int) -> None:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        await asyncio.gather(*(self._open_one(port, path, gate) for _ in range(n)))

    async def _open_one(self, port: int, path: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                reader, writer, status = await request(port, path, {"X-API-Key": KEY})
                self._writers.append(writer)
                if status != 200:
                    return
                await asyncio.wait_for(reader.readuntil(UPDATE), TIMEOUT)
            except ERRORS:
                return
            self.held += 1
        self._tasks.append(asyncio.ensure_future(self._read(reader)))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                chunk = await reader.readuntil(b"\n\n")
                if UPDATE in chunk:
                    self.arrivals.append(time.perf_counter())
                    if len(self.arrivals) >= self.held:
                        self.all_heard.set()
        except ERRORS:
            return
