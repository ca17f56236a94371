"""Errors → HTTP in one place, with a stable body ``{"error": ..., "detail": ...}``."""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.errors import RelayError

_log = logging.getLogger("toast_relay.api")


def error_response(status: int, error: str, detail: str) -> Response:
    return Response(
        orjson.dumps({"error": error, "detail": detail}),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


async def relay_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RelayError)
    return error_response(exc.status_code, exc.error, exc.detail)


def unexpected_error_response(exc: Exception, path: str) -> Response:
    # Log the type only: an arbitrary exception text could carry anything.
    _log.error("unexpected error", extra={"errorType": type(exc).__name__, "route": path})
    return error_response(500, "internal_error",
                          "the relay hit an unexpected error; see its log for the request id")


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    return unexpected_error_response(exc, request.url.path)
