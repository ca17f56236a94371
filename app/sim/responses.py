"""Toast-shaped JSON answers and ``ErrorMessage`` bodies."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.responses import Response


class ToastHTTPError(Exception):
    """An error answer; ``int_status`` picks the stock spec's integer ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(raw, status_code=status, headers=headers, media_type="application/json")


def error_body(status: int, message: str, *, int_status: bool) -> dict[str, Any]:
    """Toast's ``ErrorMessage``: ``status`` is a string in the auth spec, an int in stock."""
    body: dict[str, Any] = {
        "status": status if int_status else str(status), "code": 0, "message": message,
        "messageKey": None, "fieldName": None, "link": None, "requestId": str(uuid.uuid4()),
        "developerMessage": None, "errors": [],
    }
    if not int_status:
        body["canRetry"] = None  # absent from the stock spec's ErrorMessage
    return body


def error_response(err: ToastHTTPError, *, int_status: bool = False) -> Response:
    return json_response(error_body(err.status, err.message, int_status=int_status),
                         err.status, err.headers)
