"""A load balancer's health check, in a process of its own: ``GET /healthz`` every
``every`` seconds on a new connection, for at most ``seconds``.

``python -m bench.healthz_probe PORT EVERY SECONDS`` prints one line per probe:
when it started (``time.monotonic()``, the same clock in every process on Linux)
and how long the answer took in seconds, or ``-1`` when there was none (refused,
reset, timed out or not a 200). Part i's restart storm starts it before the
restart and stops it (by PID) after; ``probes`` reads its lines back.
"""

from __future__ import annotations

import socket
import sys
import time

TIMEOUT = 5.0
"""Seconds a probe waits for its answer (then it counts as failed)."""


def probe(port: int) -> float:
    """Seconds one ``GET /healthz`` took, or -1.0."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
    except OSError:
        return -1.0
    return time.monotonic() - started if answer.startswith(b"HTTP/1.1 200") else -1.0


def probes(text: str) -> list[tuple[float, float]]:
    """(start, seconds or -1) of each complete line the probe printed."""
    out: list[tuple[float, float]] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            out.append((float(parts[0]), float(parts[1])))
    return out


def main(argv: list[str]) -> int:
    port, every, seconds = int(argv[0]), float(argv[1]), float(argv[2])
    end = time.monotonic() + seconds
    while (started := time.monotonic()) < end:
        took = probe(port)
        print(f"{started:.6f} {took:.6f}", flush=True)
        time.sleep(max(0.0, started + every - time.monotonic()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
