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
        """200 while a token is held or obtainable (body says "degraded" without Redis); else 503."""
        ok, reason = relay.tokens.ready()
        if not ok:
            return error_response(503, "not_ready", reason)
        if relay.state.status()["degraded"]:
            # Still serving what this replica holds: stay in the load balancer.
            return Response(orjson.dumps({
                "status": "degraded", "detail": f"{reason}; Redis is unreachable, serving "
                "this replica's copies with its own stricter Toast budget"}),
                media_type="application/json")
        return Response(orjson.dumps({"status": "ready", "detail": reason}),
                        media_type="application/json")

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
