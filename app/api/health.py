"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from app.api.deps import RelayDep
from app.api.errors import error_response
from app.api.openapi import errors, json_answer

router = APIRouter(tags=["operations"], default_response_class=Response)


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready", "degraded"]
    detail: str


@router.get("/healthz", summary="Liveness", responses={200: json_answer(Alive, {"status": "ok"})})
async def healthz() -> Response:
    """The process is alive and serving HTTP."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/readyz", summary="Readiness", responses={
    200: json_answer(Ready, {"status": "ready",
                             "detail": "Toast token valid until 2026-12-01T17:13:46Z"}),
    503: {**errors(503)[503], "description": "No valid token and none can be obtained now "
                                             "(the detail says why and when the next try is)."},
})
async def readyz(relay: RelayDep) -> Response:
    """200 while a token is held or obtainable ("degraded" without Redis); else 503."""
    ok, reason = relay.tokens.ready()
    if not ok:
        return error_response(503, "not_ready", reason)
    if relay.state.status()["degraded"]:
        # Still serving what this replica holds: it stays in the load balancer.
        return Response(orjson.dumps({
            "status": "degraded", "detail": f"{reason}; Redis is unreachable, serving this "
            "replica's copies with its own stricter Toast budget"}),
            media_type="application/json")
    return Response(orjson.dumps({"status": "ready", "detail": reason}),
                    media_type="application/json")
