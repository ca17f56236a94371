"""Read a server-sent event stream in a background thread, for integration tests."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import httpx
import orjson


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str

    def json(self) -> dict[str, str]:
        value: dict[str, str] = orjson.loads(self.data)
        return value


class SseReader:
    """Collects events (and ``: ping`` comments, as event ``ping``) from ``url``."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.events: queue.Queue[SseEvent] = queue.Queue()
        self.status: int | None = None
        self.response_headers: httpx.Headers | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise AssertionError(f"{url} did not answer within 30 s")

    def _run(self) -> None:
        try:
            with httpx.stream("GET", self.url, headers=self.headers,
                              timeout=httpx.Timeout(30, read=60)) as r:
                self.status = r.status_code
                self.response_headers = r.headers
                self._ready.set()
                event, data = "message", []
                for line in r.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(":"):
                        self.events.put(SseEvent("ping", line[1:].strip()))
                    elif line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "" and data:
                        self.events.put(SseEvent(event, "\n".join(data)))
                        event, data = "message", []
        except httpx.HTTPError:
            pass
        finally:
            self._ready.set()

    def next(self, kind: str = "update", timeout: float = 20.0) -> SseEvent:
        """The next event of ``kind`` (others are skipped), waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind!r} event within {timeout} s from {self.url}")
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if ev.event == kind:
                return ev

    @property
    def alive(self) -> bool:
        """The stream is still being read (False once the server closed or dropped it)."""
        return self._thread.is_alive()

    def close(self) -> None:
        self._stop.set()
