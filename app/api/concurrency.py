"""RELAY_LIMIT_CONCURRENCY: at most that many requests in flight; past it, 503 at once.

uvicorn's own ``limit_concurrency`` counts every open connection, and an ``/events``
stream is a connection that stays open for hours: a replica holding 1,000 boards'
streams would answer every further request with 503. This limit counts requests
being answered, except ``/events`` streams, which have their own cap
(RELAY_EVENTS_MAX_CONNECTIONS, ``app.serve.push``). Idle keep-alive connections
count against neither; the open-files limit bounds them (``app.fdlimit``).
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import Receive, Scope, Send

from app.clock import Clock

OVERLOADED_BODY = orjson.dumps({
    "error": "overloaded",
    "detail": "the relay has RELAY_LIMIT_CONCURRENCY requests in progress; "
              "try again in a moment"})
WARN_EVERY = 60.0
"""Seconds between two "overloaded" warnings in the log (each counts the 503s since)."""


async def overloaded(scope: Scope, receive: Receive, send: Send) -> None:
    """The 503 past the limit, in the relay's JSON error body; like uvicorn's, it closes
    the connection (a client being refused should not keep a slot warm)."""
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(OVERLOADED_BODY)).encode()),
        (b"cache-control", b"no-store"), (b"retry-after", b"1"),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": OVERLOADED_BODY, "more_body": False})


class ConcurrencyLimit:
    """Counts HTTP requests in flight (those under ``exempt`` path prefixes aside).

    Applied by the access log (``app/api/access_log.py``), which wraps every request
    already: a middleware of its own would add a coroutine frame to every cached hit,
    which measurably costs the fast lane (docs/performance.md)."""

    def __init__(self, limit: int, clock: Clock, *, exempt: tuple[str, ...] = ("/events/",),
                 logger: logging.Logger | None = None) -> None:
        self.limit = limit
        self.exempt = exempt
        self.in_flight = 0
        self.refused = 0
        """503s answered since start."""
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.api")
        self._warned_at: float | None = None
        self._refused_at_warning = 0

    def enter(self, scope: Scope) -> bool | None:
        """Before an HTTP request: True if it is counted (call ``leave`` when it ends),
        False if it is exempt, None if it is over the limit (answer ``overloaded``)."""
        path: str = scope["path"]
        if path.startswith(self.exempt):
            return False
        root: str = scope.get("root_path", "")
        if root and path.startswith(root) and path[len(root):].startswith(self.exempt):
            return False
        if self.in_flight >= self.limit:
            self._count_refusal()
            return None
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1

    def _count_refusal(self) -> None:
        """Count a 503; warn at most once per ``WARN_EVERY`` seconds, with the count."""
        self.refused += 1
        now = self._clock.monotonic()
        if self._warned_at is not None and now - self._warned_at < WARN_EVERY:
            return
        self._log.warning("overloaded: requests refused with 503", extra={
            "refused": self.refused - self._refused_at_warning, "limitConcurrency": self.limit})
        self._warned_at = now
        self._refused_at_warning = self.refused
