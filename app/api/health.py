"""Liveness and readiness."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api.errors import error_response
from app.relay import Relay


def routes(relay: Relay) -> list[Route]:
    async def healthz(request: Request) -> Response:
        """The process is alive and serving HTTP."""
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def readyz(request: Request) -> Response:
        """200 while a valid token is held or can be obtained; 503 with the reason otherwise."""
        ok, reason = relay.tokens.ready()
        if not ok:
            return error_response(503, "not_ready", reason)
        return Response(orjson.dumps({"status": "ready", "detail": reason}),
                        media_type="application/json")

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
