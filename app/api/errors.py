"""Errors → HTTP in one place, with a stable body ``{"error": ..., "detail": ...}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.api.headers import LOCKED
from app.errors import RelayError

_log = logging.getLogger("toast_relay.api")
_HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed"}
_HTTP_DETAILS = {
    404: "no such route; see /docs for the HTTP interface",
    405: "this route does not answer that method; the Allow header lists the ones it does",
}


def error_response(status: int, error: str, detail: str,
                   headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps({"error": error, "detail": detail}),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **LOCKED, **(headers or {})},
    )


def with_head(allow: str) -> str:
    """An ``Allow`` value that names HEAD wherever GET is allowed (every GET answers HEAD)."""
    methods = [m.strip() for m in allow.split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.append("HEAD")
    return ", ".join(sorted(methods))


def not_found_detail(path: str) -> str:
    """The 404 detail for an unknown route (a trailing slash is never redirected away)."""
    if len(path) > 1 and path.endswith("/"):
        return "no such route; drop the trailing slash (see /docs for the HTTP interface)"
    return _HTTP_DETAILS[404]


def http_error_response(exc: HTTPException, path: str = "",
                        extra: Mapping[str, str] | None = None) -> Response:
    """Starlette's 404/405 (and any other ``HTTPException``) as the JSON error body."""
    headers = {**(exc.headers or {}), **(extra or {})}
    if "Allow" in headers:
        headers["Allow"] = with_head(headers["Allow"])
    detail = (not_found_detail(path) if exc.status_code == 404
              else _HTTP_DETAILS.get(exc.status_code, str(exc.detail)))
    return error_response(exc.status_code, _HTTP_ERRORS.get(exc.status_code, "http_error"),
                          detail, headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return http_error_response(exc, request.url.path)


def _where(loc: tuple[object, ...]) -> str:
    if len(loc) >= 2:
        return f"{loc[0]} parameter {loc[-1]!r}"
    return "the request"


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """A parameter FastAPI could not read: 400 naming the parameter (one line)."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = tuple(first.get("loc", ()))
    msg = str(first.get("msg", "is invalid"))
    if first.get("type") == "missing":
        detail = f"{_where(loc)} is required"
    else:
        detail = f"{_where(loc)}: {msg[0].lower()}{msg[1:]}" if msg else f"{_where(loc)} is invalid"
    return error_response(400, "bad_request", detail)


async def relay_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RelayError)
    return error_response(exc.status_code, exc.error, exc.detail, exc.headers())


def unexpected_error_response(exc: Exception, path: str) -> Response:
    # Log the type only: an arbitrary exception text could carry anything.
    _log.error("unexpected error", extra={"errorType": type(exc).__name__, "route": path})
    return error_response(500, "internal_error",
                          "the relay hit an unexpected error; see its log for the request id")


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    return unexpected_error_response(exc, request.url.path)
