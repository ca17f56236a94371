"""One login request to Toast, in either auth mode, turned into a ``Grant`` or an error.

No state lives here: budgets, single-flight and backoff belong to ``TokenManager``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson
from pydantic import SecretStr

from app.backoff import retry_after_seconds
from app.errors import (
    ToastAuthError,
    ToastBadResponse,
    ToastError,
    ToastRateLimited,
    ToastTimeout,
    ToastUnavailable,
    describe_toast_error_body,
)
from app.toast.jwt import token_expiry

MACHINE_LOGIN_PATH = "/authentication/v1/authentication/login"
LEGACY_LOGIN_PATH = "/usermgmt/v1/oauth/token"
_DEFAULT_RATE_LIMIT_WAIT = 60.0


@dataclass(frozen=True)
class Credentials:
    """Toast API client credentials; the secret is a ``SecretStr`` and its repr is masked."""

    client_id: str
    client_secret: SecretStr
    user_access_type: str = "TOAST_MACHINE_CLIENT"
    mode: Literal["machine", "legacy"] = "machine"
    account: str | None = field(default=None, compare=False)
    """The file account these belong to (docs/accounts.md); None: the TOAST_* variables."""

    def settings(self, *variables: str) -> str:
        """What an operator edits (``variables``: TOAST_* names, the last with its value):
        the variables, or the matching fields of the account in RELAY_ACCOUNTS_FILE."""
        names = variables if self.account is None else tuple(
            v.removeprefix("TOAST_").lower() for v in variables)
        text = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        if self.account is None:
            return text
        return f"{text} of account {self.account!r} in RELAY_ACCOUNTS_FILE"


@dataclass(frozen=True)
class Grant:
    """A token Toast handed out; the token itself stays out of the repr."""

    access_token: str = field(repr=False)
    expires_at: float
    request_id: str | None = None


def redact(text: str, *secrets: str) -> str:
    """Replace every non-empty secret in ``text`` with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


async def login_once(
    http: httpx.AsyncClient,
    base_url: str,
    credentials: Credentials,
    now: float,
    logger: logging.Logger,
) -> Grant:
    """POST one login; return the grant or raise a ``ToastError`` subclass (never with secrets)."""
    secret = credentials.client_secret.get_secret_value()
    if credentials.mode == "machine":
        path = MACHINE_LOGIN_PATH
        request: dict[str, Any] = {"json": {
            "clientId": credentials.client_id,
            "clientSecret": secret,
            "userAccessType": credentials.user_access_type,
        }}
    else:
        path = LEGACY_LOGIN_PATH
        request = {"data": {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": secret,
        }}
    try:
        response = await http.post(base_url + path, **request)
    except httpx.TimeoutException:
        raise ToastTimeout(f"Toast login ({path}) timed out", endpoint=path) from None
    except httpx.HTTPError as exc:
        raise ToastUnavailable(
            f"cannot reach Toast for login ({type(exc).__name__}); check "
            f"{credentials.settings('TOAST_API_URL')} and the network", endpoint=path) from None
    return _read_answer(response, path, credentials, secret, now, logger)


def _read_answer(
    response: httpx.Response, path: str, credentials: Credentials, secret: str, now: float,
    logger: logging.Logger,
) -> Grant:
    status = response.status_code
    try:
        body: object = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    message, request_id = describe_toast_error_body(body)
    message = redact(message, secret)
    extra = f" ({message})" if message else ""
    kw: dict[str, Any] = {"upstream_status": status, "endpoint": path, "request_id": request_id}
    if status in (400, 401, 403):
        raise ToastAuthError(
            f"Toast rejected the client id/secret ({status}){extra}; check "
            + credentials.settings("TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET",
                                   f"TOAST_AUTH_MODE={credentials.mode}"), **kw)
    if status == 429:
        wait = retry_after_seconds(response.headers, now) or _DEFAULT_RATE_LIMIT_WAIT
        raise ToastRateLimited(f"Toast rate-limited the login (429){extra}", retry_after=wait,
                               **kw)
    if status >= 500:
        raise ToastUnavailable(f"Toast login failed with {status}{extra}", **kw)
    if not 200 <= status < 300:
        raise ToastError(f"Toast login answered {status}{extra}", **kw)
    return _grant(body, path, credentials, now, request_id, logger)


def _grant(
    body: object, path: str, credentials: Credentials, now: float, request_id: str | None,
    logger: logging.Logger,
) -> Grant:
    # machine: {"token": {"accessToken", "expiresIn"}}; legacy: {"access_token", "expires_in"}
    holder = body.get("token") if credentials.mode == "machine" and isinstance(body, dict) \
        else body
    if credentials.mode == "machine":
        token_key, expires_key = "accessToken", "expiresIn"
    else:
        token_key, expires_key = "access_token", "expires_in"
    if not isinstance(holder, dict) or not isinstance(holder.get(token_key), str) \
            or not holder[token_key]:
        raise ToastBadResponse(
            f"Toast login answered 2xx without {token_key}; is "
            f"{credentials.settings(f'TOAST_AUTH_MODE={credentials.mode}')} right for this host?",
            endpoint=path, request_id=request_id)
    token: str = holder[token_key]
    expires_in = holder.get(expires_key)
    fallback = float(expires_in) if isinstance(expires_in, int | float) \
        and not isinstance(expires_in, bool) else None
    exp = token_expiry(token)
    if exp is not None and exp <= now and fallback is not None:
        # A JWT already past its exp by our clock means our clock is off; expiresIn
        # is relative, so it still gives a usable lifetime.
        logger.warning("Toast token's exp is %.0f s in the past by the local clock; "
                       "check the system clock (using %s instead)", now - exp, expires_key)
        exp = None
    if exp is None:
        if fallback is None:
            raise ToastBadResponse(
                f"Toast login answer has neither a JWT exp nor {expires_key}",
                endpoint=path, request_id=request_id)
        exp = now + fallback
    return Grant(access_token=token, expires_at=exp, request_id=request_id)


def describe(exc: ToastError) -> str:
    """A short result word for metrics and status."""
    if isinstance(exc, ToastAuthError):
        return "rejected"
    if isinstance(exc, ToastRateLimited):
        return "rate_limited"
    if isinstance(exc, ToastBadResponse):
        return "bad_response"
    return "unavailable"
