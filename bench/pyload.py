"""A small keep-alive HTTP/1.1 load generator, used only when wrk is not installed.

One process, one event loop: it saturates well below what wrk can, so figures it
produces are marked in the table. Prints the same summary line as the wrk script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

from bench.load import MARK


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * pct / 100))]


async def _worker(host: str, port: int, request: bytes, deadline: float,
                  latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status >= 400:
                errors.append(status)
    except (OSError, asyncio.IncompleteReadError):
        errors.append(0)
    finally:
        writer.close()


async def run(url: str, headers: list[str], connections: int, seconds: float) -> str:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(
        f"{h}\r\n" for h in headers) + "\r\n").encode()
    latencies: list[float] = []
    errors: list[int] = []
    start = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(
        _worker(host, port, request, start + seconds, latencies, errors)
        for _ in range(connections))), timeout=seconds + 15)
    elapsed = time.monotonic() - start
    lat = sorted(latencies)
    return MARK + json.dumps({
        "requests": len(lat), "duration_us": int(elapsed * 1e6), "bytes": 0,
        "errors": len(errors), "status_errors": 0,
        "p50_us": int(_percentile(lat, 50) * 1e6), "p90_us": int(_percentile(lat, 90) * 1e6),
        "p99_us": int(_percentile(lat, 99) * 1e6), "max_us": int(lat[-1] * 1e6) if lat else 0})


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.pyload")
    p.add_argument("url")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--header", action="append", default=[])
    a = p.parse_args()
    print(asyncio.run(run(a.url, a.header, a.connections, a.seconds)))


if __name__ == "__main__":
    main()
