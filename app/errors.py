"""The one error tree of toast-relay.

Every failure the relay knows about is a ``RelayError``. Each class carries the
HTTP status and the stable ``error`` code it maps to; ``app.api.errors`` turns any
of them into ``{"error": ..., "detail": ...}`` in one handler. Messages name what
failed and what to do, and never contain a token or a secret.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import orjson


class RelayError(Exception):
    """Base of every error the relay raises on purpose."""

    status_code: ClassVar[int] = 500
    error: ClassVar[str] = "internal_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def headers(self) -> dict[str, str]:
        """Extra response headers this error calls for (``Retry-After`` on a wait)."""
        wait = getattr(self, "retry_after", None)
        if isinstance(wait, int | float) and wait > 0:
            return {"Retry-After": str(max(1, math.ceil(wait)))}
        return {}


class ConfigError(RelayError):
    """A setting is missing or malformed; start-up stops with this one line."""

    error = "config_error"


# --- Toast (upstream) -------------------------------------------------------


class ToastError(RelayError):
    """Toast answered with an error, or could not be reached."""

    status_code = 502
    error = "toast_error"

    def __init__(
        self,
        detail: str,
        *,
        upstream_status: int | None = None,
        endpoint: str = "",
        request_id: str | None = None,
        upstream_body: bytes = b"",
        upstream_type: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.upstream_status = upstream_status
        self.endpoint = endpoint
        self.request_id = request_id
        # Toast's own error answer, for the /toast pass-through (which hands it on as is).
        self.upstream_body = upstream_body
        self.upstream_type = upstream_type


class ToastAuthError(ToastError):
    """Login failed: Toast rejected the client id or secret (or the token, twice)."""

    status_code = 503
    error = "toast_auth_failed"


class ToastForbidden(ToastError):
    """403: the credentials lack a scope or the restaurant is not connected."""

    status_code = 404
    error = "restaurant_not_accessible"


class ToastNotFound(ToastError):
    """404: unknown restaurant, or no published menu."""

    status_code = 404
    error = "restaurant_not_found"


class ToastRateLimited(ToastError):
    """429 from Toast, or our own limiter refused to wait that long."""

    status_code = 503
    error = "toast_rate_limited"

    def __init__(self, detail: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class ToastUnavailable(ToastError):
    """5xx, timeout or connection failure after retries."""

    status_code = 503
    error = "toast_unavailable"


class ToastTimeout(ToastUnavailable):
    """Toast did not answer in time."""

    status_code = 504
    error = "toast_timeout"


class ToastBadResponse(ToastError):
    """Toast answered 2xx with a body that is not what its API documents."""

    status_code = 502
    error = "toast_bad_response"


class EmptyMenu(ToastBadResponse):
    """Toast answered with zero items where the last good copy had some."""

    error = "toast_empty_menu"


# --- Relay API (what screens get) --------------------------------------------


class BadRequest(RelayError):
    status_code = 400
    error = "bad_request"


class Unauthorized(RelayError):
    status_code = 401
    error = "unauthorized"


class Forbidden(RelayError):
    status_code = 403
    error = "forbidden"


class NotFound(RelayError):
    status_code = 404
    error = "not_found"


class NotReady(RelayError):
    """No copy of the data exists yet and Toast could not provide one (yet: then
    ``retry_after`` says when to ask again)."""

    status_code = 503
    error = "not_ready"

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLarge(RelayError):
    status_code = 413
    error = "payload_too_large"


class QueryTooLong(RelayError):
    """A query string past what any screen URL needs; refused before it is read."""

    status_code = 414
    error = "query_too_long"


class WebhookNotTaken(RelayError):
    """A valid webhook the relay could not take; 5xx so that Toast resends it."""

    status_code = 503
    error = "webhook_not_taken"


class InvalidScreen(RelayError):
    """A screen definition the relay cannot take (the detail starts with the field's path)."""

    status_code = 422
    error = "invalid_screen"


class StaleVersion(RelayError):
    """``If-Match`` named a version of a screen that is no longer the current one."""

    status_code = 412
    error = "version_mismatch"


class TooManyStreams(RelayError):
    """Every /events connection this process allows is in use."""

    status_code = 503
    error = "too_many_streams"


def describe_toast_error_body(body: object) -> tuple[str, str | None]:
    """Read Toast's ``ErrorMessage`` (``status`` is a string in one API, an int in another).

    Returns a short message and the ``requestId`` to quote to Toast support.
    """
    if not isinstance(body, dict):
        return "", None
    parts = [
        str(body[k]) for k in ("message", "developerMessage") if isinstance(body.get(k), str | int)
    ]
    status = body.get("status")
    if isinstance(status, str | int) and str(status).strip():
        parts.insert(0, f"status {status}")
    request_id = body.get("requestId")
    return "; ".join(p for p in parts if p), request_id if isinstance(request_id, str) else None


def read_toast_error(content: bytes) -> tuple[str, str | None]:
    """``describe_toast_error_body`` for a raw answer body that may not be JSON at all."""
    try:
        body: object = orjson.loads(content)
    except orjson.JSONDecodeError:
        body = None
    return describe_toast_error_body(body)

