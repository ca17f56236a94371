"""One access-log line per request (pure ASGI, so the hot path pays almost nothing).

Routes put ``cache`` and ``restaurant`` into ``scope["relay"]``; this middleware
adds a request id, the route template, status and duration. The query string is
never logged (it may hold ``?key=``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import Metrics


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: Metrics,
                 templates: Mapping[object, str] | None = None,
                 logger: logging.Logger | None = None) -> None:
        self.app = app
        self.metrics = metrics
        # endpoint → route template, so the log says /menu/{restaurant}, not a GUID or alias.
        self.templates = templates or {}
        self.log = logger or logging.getLogger("toast_relay.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        info: dict[str, Any] = {}
        scope["relay"] = info
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            client = scope.get("client")
            route = self.templates.get(scope.get("endpoint"), "(unmatched)")
            cache = info.get("cache")
            self.metrics.count_request(route, status)
            if cache is not None:
                self.metrics.count_cache("revalidated" if status == 304 else cache.lower())
            self.log.info("request", extra={
                "requestId": request_id,
                "method": scope.get("method"),
                "route": route,
                "status": status,
                "durationMs": round((time.perf_counter() - start) * 1000, 2),
                "cache": cache,
                "restaurant": info.get("restaurant"),
                "client": client[0] if client else None,
            })
