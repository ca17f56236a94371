"""GET requests to Toast's data APIs: token, restaurant header, limits, retries, errors.

Retry policy (docs/toast-api.md, rate limits): 429 waits for ``Retry-After`` /
``X-Toast-RateLimit-Reset``; 5xx, timeouts and connection errors back off exponentially
with jitter (``app/backoff.py``); a 401 means the token is bad (docs/toast-api.md, login
and tokens): one re-login and one retry; 403/404 and other 4xx are final.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from app.backoff import Backoff, retry_after_seconds
from app.clock import Clock
from app.errors import (
    ToastAuthError,
    ToastBadResponse,
    ToastError,
    ToastForbidden,
    ToastNotFound,
    ToastRateLimited,
    ToastTimeout,
    ToastUnavailable,
    read_toast_error,
)
from app.toast.limiter import Priority, UpstreamLimiter
from app.toast.token import TokenManager

MENUS_PATH = "/menus/v2/menus"
METADATA_PATH = "/menus/v2/metadata"
STOCK_PATH = "/stock/v1/inventory"
RESTAURANT_PATH = "/restaurants/v1/restaurants/{guid}"
PARTNER_RESTAURANTS_PATH = "/partners/v1/restaurants"
GROUP_RESTAURANTS_PATH = "/restaurants/v1/groups/{group}/restaurants"

_NAMES = {MENUS_PATH: "menus", METADATA_PATH: "metadata", STOCK_PATH: "stock",
          PARTNER_RESTAURANTS_PATH: "partners"}
_GUIDISH = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}")
_NO_HINT_429 = 1.0  # a 429 without Retry-After or Reset: wait at least this (then backoff)
HALF_JITTER = (0.5, 1.0)
"""Between attempts: half the delay fixed, half random."""


def endpoint_name(path: str) -> str:
    """A low-cardinality name for metrics and logs: GUIDs in the path become ``{guid}``."""
    if path in _NAMES:
        return _NAMES[path]
    if path.startswith("/restaurants/v1/restaurants/"):
        return "restaurant"
    if path.startswith("/restaurants/v1/groups/"):
        return "group_restaurants"
    return _GUIDISH.sub("{guid}", path)


@dataclass
class RetryPolicy:
    """How hard to try: ``attempts`` sends in all; backoff ``base``·2ⁿ capped at ``cap``.

    A 429 asking to wait longer than ``max_retry_after`` is raised at once (with
    ``retry_after``) so a background refresh can reschedule instead of blocking.
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 30.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Delay before retry number ``retry`` (1-based): half fixed, half random jitter."""
        return Backoff(self.base, self.cap, HALF_JITTER).delay(retry, rng)


def make_http_client(timeout: float) -> httpx.AsyncClient:
    """The one client per process for Toast; the FastAPI lifespan creates and closes it."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=min(timeout, 5.0), read=timeout, write=timeout,
                              pool=timeout),
        limits=httpx.Limits(max_connections=40, max_keepalive_connections=20,
                            keepalive_expiry=30.0),
        headers={"User-Agent": "toast-relay", "Accept": "application/json"},
        follow_redirects=False,
    )


class ToastClient:
    def __init__(
        self, *, http: httpx.AsyncClient, base_url: str, tokens: TokenManager,
        limiter: UpstreamLimiter, clock: Clock, retry: RetryPolicy | None = None,
        logger: logging.Logger | None = None,
        observer: Callable[[str, str, float], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._limiter = limiter
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._log = logger or logging.getLogger("app.toast.client")
        self._observer = observer
        self._rng = rng or random.Random()

    async def get(
        self, path: str, *, restaurant: str | None = None, params: dict[str, str] | None = None,
        priority: Priority = Priority.BACKGROUND,
    ) -> httpx.Response:
        """GET ``path``; a 2xx response, or a ``ToastError`` subclass after the policy's retries.

        ``priority`` orders it in the limiter: a screen waiting for a first load goes
        before webhook- or admin-driven fetches, which go before background checks."""
        name = endpoint_name(path)
        sends = 0
        relogged = False
        while True:
            # Wait for the limiter first: a 429 hold can outlast the token in hand. The
            # spacing of /menus runs from the answer: Toast counted the call's arrival
            # before then, however late it left (docs/toast-behaviour.md).
            async with self._limiter.sending(path, restaurant, priority):
                token = await self._tokens.get_token()
                sends += 1
                outcome = await self._send(path, name, token, restaurant, params)
            if isinstance(outcome, httpx.Response):
                if outcome.is_success:
                    return outcome
                if outcome.status_code == 401 and not relogged:
                    relogged = True
                    sends -= 1  # the re-login's retry is extra, not one of the attempts
                    self._log.warning("Toast answered 401 on %s; logging in again once", name)
                    await self._tokens.handle_unauthorized(token)
                    continue
                error = self._error_for(outcome, path, name, restaurant)
            else:
                error = outcome
            delay = self._retry_delay(error, sends, restaurant)
            if delay is None:
                raise error
            self._log.warning("Toast %s failed (%s); retry %d in %.1f s",
                              name, error.detail, sends, delay)
            if not isinstance(error, ToastRateLimited):
                await self._clock.sleep(delay)

    def _retry_delay(self, error: ToastError, sends: int, restaurant: str | None) -> float | None:
        """Seconds to wait before the next send, or None to give up with ``error``."""
        if isinstance(error, ToastRateLimited):
            # The limiter holds everything for this scope, not only this request.
            self._limiter.block_until(self._clock.monotonic() + error.retry_after, restaurant)
            if error.retry_after > self._retry.max_retry_after or sends >= self._retry.attempts:
                return None
            return error.retry_after
        if isinstance(error, ToastUnavailable) and sends < self._retry.attempts:
            return self._retry.backoff(sends, self._rng)
        return None

    async def _send(
        self, path: str, name: str, token: str, restaurant: str | None,
        params: dict[str, str] | None,
    ) -> httpx.Response | ToastError:
        headers = {"Authorization": f"Bearer {token}"}
        if restaurant is not None:
            # Toast scopes data and rate limits by this header (docs/toast-api.md, restaurants).
            headers["Toast-Restaurant-External-ID"] = restaurant
        started = self._clock.monotonic()
        try:
            response = await self._http.get(self._base_url + path, params=params, headers=headers)
        except httpx.TimeoutException:
            self._observe(name, "timeout", started)
            return ToastTimeout(f"Toast {name} timed out", endpoint=path)
        except httpx.HTTPError as exc:
            self._observe(name, "connect_error", started)
            return ToastUnavailable(
                f"cannot reach Toast for {name} ({type(exc).__name__})", endpoint=path)
        self._observe(name, str(response.status_code), started)
        return response

    def _observe(self, name: str, outcome: str, started: float) -> None:
        if self._observer is not None:
            self._observer(name, outcome, self._clock.monotonic() - started)

    def _error_for(
        self, response: httpx.Response, path: str, name: str, restaurant: str | None
    ) -> ToastError:
        status = response.status_code
        message, request_id = read_toast_error(response.content)
        where = f"Toast {name}" + (f" for restaurant {restaurant}" if restaurant else "")
        said = f": {message}" if message else ""
        rid = f" (requestId {request_id})" if request_id else ""
        kw: dict[str, Any] = {"upstream_status": status, "endpoint": path,
                              "request_id": request_id, "upstream_body": response.content,
                              "upstream_type": response.headers.get("content-type")}
        if status == 401:
            return ToastAuthError(f"{where} answered 401 again after a fresh login{said}{rid}; "
                                  "check the API client's credentials and scopes", **kw)
        if status == 403:
            return ToastForbidden(f"{where} answered 403{said}{rid}; the API client lacks the "
                                  "scope or the restaurant has not granted access", **kw)
        if status == 404:
            return ToastNotFound(f"{where} answered 404{said}{rid}; unknown GUID or nothing "
                                 "published", **kw)
        if status == 429:
            wait = retry_after_seconds(response.headers, self._clock.now())
            if wait is None:
                wait = _NO_HINT_429
            # A little jitter so the callers held back together do not return together.
            wait += self._rng.uniform(0, 0.25)
            return ToastRateLimited(f"{where} answered 429{said}{rid}; retry in {wait:.0f} s",
                                    retry_after=wait, **kw)
        if status >= 500:
            return ToastUnavailable(f"{where} answered {status}{said}{rid}", **kw)
        return ToastError(f"{where} answered {status}{said}{rid}", **kw)

    # --- convenience -------------------------------------------------------------

    async def menus(self, guid: str, priority: Priority = Priority.BACKGROUND) -> bytes:
        """The raw ``/menus/v2/menus`` body (decoding is the menu module's job)."""
        return (await self.get(MENUS_PATH, restaurant=guid, priority=priority)).content

    async def metadata(self, guid: str, priority: Priority = Priority.BACKGROUND) -> str:
        """``lastUpdated`` from ``/menus/v2/metadata``."""
        body = self._json(await self.get(METADATA_PATH, restaurant=guid, priority=priority),
                          METADATA_PATH)
        value = body.get("lastUpdated") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise ToastBadResponse(f"Toast metadata for restaurant {guid} has no lastUpdated",
                                   endpoint=METADATA_PATH)
        return value

    async def stock(self, guid: str, priority: Priority = Priority.BACKGROUND) -> bytes:
        """The raw ``/stock/v1/inventory`` body (only OUT_OF_STOCK and QUANTITY items)."""
        return (await self.get(STOCK_PATH, restaurant=guid, priority=priority)).content

    async def restaurant(self, guid: str,
                         priority: Priority = Priority.BACKGROUND) -> dict[str, Any]:
        """``RestaurantInfo`` for ``guid`` (the header carries the same GUID as the path)."""
        path = RESTAURANT_PATH.format(guid=guid)
        body = self._json(await self.get(path, restaurant=guid, priority=priority), path)
        if not isinstance(body, dict):
            raise ToastBadResponse(f"Toast restaurant {guid} is not a JSON object",
                                   endpoint=path)
        return body

    async def partner_restaurants(
            self, priority: Priority = Priority.BACKGROUND) -> list[dict[str, Any]]:
        """Restaurants that granted this partner client access (partner accounts only)."""
        body = self._json(await self.get(PARTNER_RESTAURANTS_PATH, priority=priority),
                          PARTNER_RESTAURANTS_PATH)
        if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
            raise ToastBadResponse("Toast partners/restaurants is not a JSON array of objects",
                                   endpoint=PARTNER_RESTAURANTS_PATH)
        return body

    async def group_restaurants(self, group: str, one_restaurant: str,
                                priority: Priority = Priority.BACKGROUND) -> list[str]:
        """GUIDs of the restaurants in management group ``group``, asked through one of them
        (how standard API access lists its locations: the header names a restaurant of
        the group)."""
        path = GROUP_RESTAURANTS_PATH.format(group=group)
        body = self._json(await self.get(path, restaurant=one_restaurant, priority=priority),
                          path)
        if not isinstance(body, list) or not all(
                isinstance(r, dict) and isinstance(r.get("guid"), str) for r in body):
            raise ToastBadResponse("Toast groups/restaurants is not a JSON array of {guid}",
                                   endpoint=path)
        return [str(r["guid"]) for r in body]

    @staticmethod
    def _json(response: httpx.Response, path: str) -> object:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise ToastBadResponse(f"Toast {endpoint_name(path)} answered malformed JSON "
                                   f"({exc})", endpoint=path) from None
