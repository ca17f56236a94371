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


class ServedCopies(BaseModel):
    total: int
    """Restaurants served: the configured ones, else those screens asked for."""
    servable: int
    """Of those, how many have a copy the relay may serve (within RELAY_STALE_MAX)."""


class Ready(BaseModel):
    status: Literal["ready", "degraded"]
    detail: str
    loginError: str | None
    """Why Toast's last login failed, while it does (the relay may still be ready)."""
    restaurants: ServedCopies


@router.get("/healthz", summary="Liveness", responses={200: json_answer(Alive, {"status": "ok"})})
async def healthz() -> Response:
    """The process is alive and serving HTTP (nothing about Toast: never restart for that)."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/readyz", summary="Readiness", responses={
    200: json_answer(Ready, {"status": "degraded",
                             "detail": "serving the saved copies of all 2 restaurants while "
                                       "Toast's login fails (see loginError)",
                             "loginError": "Toast login failed with 503; next try in 20 s",
                             "restaurants": {"total": 2, "servable": 2}}),
    503: {**errors(503)[503], "description": "Neither a valid token (nor one obtainable now) "
                                             "nor a saved copy of every restaurant served "
                                             "(the detail says why and when the next try is)."},
})
async def readyz(relay: RelayDep) -> Response:
    """200 while screens can be served: a Toast token held or obtainable, or a servable copy
    of every restaurant served (then ``degraded``, with the login failure in ``loginError``;
    also ``degraded`` while Redis is unreachable); else 503."""
    now = relay.readiness()
    if not now.ready:
        return error_response(503, "not_ready", now.detail)
    return Response(orjson.dumps(now.as_json()), media_type="application/json")
