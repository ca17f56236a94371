"""One access-log line per request, cheap enough for the hot path.

Routes put ``cache``, ``restaurant`` and its ``account`` into ``scope["relay"]``
(``KeyRing.note``); this middleware adds a request id, the route template, status,
duration and client address, counts the request in the metrics, and hands the line
to an ``AccessLogWriter``.
The query string is never logged (it may hold ``?key=``).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.concurrency import ConcurrencyLimit, overloaded
from app.logs import AccessLogWriter
from app.metrics import Metrics


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: Metrics, writer: AccessLogWriter | None,
                 templates: Mapping[object, str] | None = None,
                 limit: ConcurrencyLimit | None = None) -> None:
        self.app = app
        self.limit = limit
        """RELAY_LIMIT_CONCURRENCY, applied here: a 503 for overload is logged like any."""
        self.counts = metrics.requests
        self.writer = writer
        # endpoint → route template, so the log says /menu/{restaurant}, not a GUID or alias.
        self.templates = templates if templates is not None else {}
        # Request ids: a random per-process prefix and a counter (unique, and cheaper than
        # a uuid4 per request).
        self._prefix = os.urandom(4).hex().encode()
        self._ids = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = b"%s%x" % (self._prefix, next(self._ids))
        info: dict[str, Any] = {}
        scope["relay"] = info
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers")
                if isinstance(headers, list):
                    headers.append((b"x-request-id", request_id))
                else:
                    message["headers"] = [*(headers or ()), (b"x-request-id", request_id)]
            await send(message)

        limit = self.limit
        entered = limit.enter(scope) if limit is not None else False
        try:
            await (self.app if entered is not None else overloaded)(scope, receive, send_wrapper)
        finally:
            if limit is not None and entered:
                limit.leave()
            route = self.templates.get(scope.get("endpoint"), "(unmatched)")
            cache = info.get("cache")
            self.counts.count(route, status, cache)
            if self.writer is not None:
                client = scope.get("client")
                self.writer.emit(request_id, scope.get("method"), route, status,
                                 time.perf_counter() - start, cache, info.get("restaurant"),
                                 client[0] if client else None, info.get("account"))
