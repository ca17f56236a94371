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
from starlette.types import ASGIApp, Receive, Scope, Send

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
    """Counts HTTP requests in flight (those under ``exempt`` path prefixes aside)."""

    def __init__(self, app: ASGIApp, limit: int, clock: Clock, *,
                 exempt: tuple[str, ...] = ("/events/",),
                 logger: logging.Logger | None = None) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.in_flight = 0
        self.refused = 0
        """503s answered since start."""
        self._clock = clock
        self._log = logger or logging.getLogger("toast_relay.api")
        self._warned_at: float | None = None
        self._refused_at_warning = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self._count_refusal()
            await overloaded(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def _exempt(self, scope: Scope) -> bool:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        return path.startswith(self.exempt)

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
