"""The read-only /toast pass-through: which Toast GETs a player may ask for, and their cache.

Only endpoints the relay's own scopes cover are allowed (docs/toast-api.md,
credentials): menus v2 metadata and menus, stock inventory, and the restaurant's own
details. Each goes through the ``ToastClient`` (token, restaurant header, upstream
limiter, retries); ``/menus/v2/menus`` is answered from the relay's own copy, never
fetched for a player. Answers (Toast's errors included, except 429 and 5xx) are kept
for ``ttl`` seconds per restaurant, path and query, and concurrent misses share one
upstream call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from cachetools import LRUCache

from app.clock import Clock
from app.errors import BadRequest, NotFound, ToastAuthError, ToastError, ToastRateLimited
from app.toast.client import MENUS_PATH, METADATA_PATH, RESTAURANT_PATH, STOCK_PATH, ToastClient
from app.toast.limiter import Priority

_QUERY: dict[str, dict[str, frozenset[str]]] = {
    METADATA_PATH: {},
    STOCK_PATH: {"status": frozenset({"OUT_OF_STOCK", "QUANTITY"})},
    "/restaurants/v1/restaurants/{guid}": {"includeArchived": frozenset({"true", "false"})},
}
ALLOWED = ("menus/v2/metadata", "menus/v2/menus", "stock/v1/inventory",
           "restaurants/v1/restaurants/{restaurant GUID}")
"""The allowlist as /docs shows it (paths under /toast/)."""
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Passed:
    """One answer to hand on: Toast's status and body, and where it came from.

    Toast's media type is not kept: the route always answers ``application/json``, so a
    page something in front of Toast answered is never HTML on the relay's origin.
    """

    status: int
    body: bytes
    cache: str = "MISS"
    retry_after: float | None = None


_RESTAURANT_PREFIX = RESTAURANT_PATH.split("{", 1)[0]


def on_allowlist(path: str) -> None:
    """404 unless ``path`` has the shape of an allow-listed one (checked before the key and
    ``?restaurant=``: the allowlist is public, and nothing else is ever passed on).

    Matching is exact (no normalisation), so nothing but the listed paths can be named.
    """
    full = "/" + path
    if full in (METADATA_PATH, MENUS_PATH, STOCK_PATH) or (
            full.startswith(_RESTAURANT_PREFIX)
            and full.count("/") == _RESTAURANT_PREFIX.count("/")):
        return
    raise NotFound(f"/toast/{path[:80]} is not on the pass-through allowlist; allowed: "
                   + ", ".join(ALLOWED))


def toast_path(path: str, guid: str) -> tuple[str, str]:
    """``menus/v2/metadata`` → (Toast path, allowlist template); 404 when not allowed."""
    on_allowlist(path)
    full = "/" + path
    if full in (METADATA_PATH, MENUS_PATH, STOCK_PATH):
        return full, full
    if full[len(_RESTAURANT_PREFIX):].lower() != guid:
        raise BadRequest("the GUID in restaurants/v1/restaurants/{GUID} must be the "
                         "?restaurant= one")
    return RESTAURANT_PATH.format(guid=guid), "/restaurants/v1/restaurants/{guid}"


def toast_query(template: str, params: Mapping[str, str]) -> dict[str, str]:
    """The query parameters Toast documents for ``template``; others are dropped, bad values
    are 400 (key and restaurant are the relay's own)."""
    allowed = _QUERY.get(template, {})
    out: dict[str, str] = {}
    for name, values in allowed.items():
        if name in params:
            if params[name] not in values:
                raise BadRequest(f"{name} must be one of {', '.join(sorted(values))}")
            out[name] = params[name]
    return out


class PassThrough:
    def __init__(self, toast: ToastClient, clock: Clock, ttl: float,
                 own_menus: Callable[[str], Awaitable[tuple[bytes, str]]],
                 max_entries: int = 256) -> None:
        self._toast = toast
        self._clock = clock
        self.ttl = ttl
        self._own_menus = own_menus
        self._cache: LRUCache[tuple[str, str, tuple[tuple[str, str], ...]],
                              tuple[float, Passed]] = LRUCache(maxsize=max_entries)
        self._inflight: dict[tuple[str, str, tuple[tuple[str, str], ...]],
                             asyncio.Future[Passed]] = {}

    async def get(self, guid: str, path: str, params: Mapping[str, str]) -> Passed:
        """Toast's answer to GET ``/path`` for restaurant ``guid`` (cached for ``ttl``)."""
        full, template = toast_path(path, guid)
        query = toast_query(template, params)
        if full == MENUS_PATH:
            body, cache = await self._own_menus(guid)
            return Passed(200, body, cache)
        key = (guid, full, tuple(sorted(query.items())))
        hit = self._cache.get(key)
        if hit is not None and hit[0] > self._clock.monotonic():
            return Passed(hit[1].status, hit[1].body, "HIT")
        pending = self._inflight.get(key)
        if pending is None:
            pending = self._inflight[key] = asyncio.ensure_future(self._fetch(guid, full, query))
            pending.add_done_callback(lambda _: self._inflight.pop(key, None))
        passed = await asyncio.shield(pending)
        if passed.status < 500 and passed.status != 429:
            self._cache[key] = (self._clock.monotonic() + self.ttl, passed)
        return passed

    async def _fetch(self, guid: str, full: str, query: dict[str, str]) -> Passed:
        try:
            # A caller is waiting for this answer, as a screen waits for a first load.
            response = await self._toast.get(full, restaurant=guid, params=query or None,
                                             priority=Priority.FIRST_LOAD)
        except ToastError as exc:
            if exc.upstream_status is None or isinstance(exc, ToastAuthError):
                # Toast never answered, or refused the relay's own credentials: that is the
                # relay's 503/504 (a player's key is fine, a 401 would say otherwise).
                raise
            retry = exc.retry_after if isinstance(exc, ToastRateLimited) else None
            return Passed(exc.upstream_status, exc.upstream_body, retry_after=retry)
        return Passed(response.status_code, response.content)
