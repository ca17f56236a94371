"""What screens poll (the fast lane): /menu/{r}, /menu/{r}/groups, /stock/{r}.

These endpoints are raw ASGI callables on purpose: a request is a key check, a
dictionary lookup and a write of bytes (and headers) rendered when the menu last
changed. No Request/Response objects, dependency injection, validation or
serialisation run per request; the query string is parsed only when there is one.
Each route here is documented by a stub in ``app.api.screen_docs``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qsl

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.api.keys import KeyRing, header, presented_key
from app.cache.service import CacheResult
from app.cache.views import FORMATS, Answer, MenuView
from app.errors import BadRequest
from app.menu.filters import Filters, parse_bool
from app.relay import Relay

NO_FILTERS = Filters()
_NOT_FILTERS = frozenset({"key", "format", "ascii"})
_X_CACHE = {"HIT": b"HIT", "MISS": b"MISS", "STALE": b"STALE"}

Handler = Callable[[Scope, Send], Awaitable[None]]


class Endpoint:
    """Adapts ``handler(scope, send)`` to ASGI, so Starlette routes it without a Request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.handler(scope, send)


@dataclass(frozen=True, slots=True)
class Query:
    key: str | None
    fmt: str
    filter_pairs: tuple[tuple[str, str], ...]
    ascii_raw: str | None = None

    def ascii_only(self) -> bool:
        """``ascii=true`` (validated only after the key was checked, like the filters)."""
        return self.ascii_raw is not None and parse_bool("ascii", self.ascii_raw)

    def filters(self) -> Filters:
        """The filters (validated only now, after the key was checked: 401 before 400)."""
        return _filters(self.filter_pairs) if self.filter_pairs else NO_FILTERS


@lru_cache(maxsize=512)
def parse_query(raw: bytes) -> Query:
    """The parts of a screen's query string that matter, parsed once per distinct string.

    Screens poll the same URL over and over, so a small cache of parsed query
    strings turns parsing into a dictionary hit.
    """
    params = parse_qsl(raw.decode("latin-1"), keep_blank_values=True) if raw else []
    key = next((v for k, v in params if k == "key"), None)
    fmt = next((v for k, v in params if k == "format"), "json").lower()
    ascii_raw = next((v for k, v in params if k == "ascii"), None)
    return Query(key, fmt, tuple((k, v) for k, v in params if k not in _NOT_FILTERS),
                 ascii_raw)


@lru_cache(maxsize=512)
def _filters(pairs: tuple[tuple[str, str], ...]) -> Filters:
    return Filters.from_query(pairs)


def etag_matches(header_value: bytes | None, etag: bytes) -> bool:
    if not header_value:
        return False
    if header_value == etag:
        return True
    if header_value.strip() == b"*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; proxies that gzip add W/.
    return any(t.strip().removeprefix(b"W/") == etag for t in header_value.split(b","))


async def send_answer(
    scope: Scope, send: Send, answer: Answer, view: MenuView, cache: CacheResult,
    cache_control: bytes,
) -> None:
    scope["relay"]["cache"] = cache
    common = [(b"etag", answer.etag_bytes), (b"cache-control", cache_control),
              (b"last-modified", view.last_modified_bytes), (b"x-cache", _X_CACHE[cache])]
    if etag_matches(header(scope, b"if-none-match"), answer.etag_bytes):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [*answer.head, *common]})
    await send({"type": "http.response.body", "body": answer.body})


class Screens:
    def __init__(self, relay: Relay) -> None:
        self.keys: KeyRing = relay.keys
        self.menus = relay.menus
        self.clock = relay.clock
        max_age = int(min(30.0, relay.settings.relay_refresh_interval / 2))
        self.cache_control = f"private, max-age={max_age}".encode()

    def _allowed(self, scope: Scope, q: Query) -> frozenset[str]:
        """The presented key's scope: ``X-API-Key`` first, else ``?key=``; 401 if unknown."""
        return self.keys.identify(presented_key(scope, q.key))

    def _guid(self, scope: Scope, q: Query) -> str:
        """The restaurant asked for, once the key may read it (401, 400, 404, 403)."""
        allowed = self._allowed(scope, q)
        guid = self.keys.resolve(scope["path_params"]["restaurant"])
        scope["relay"]["restaurant"] = guid
        self.keys.authorize(allowed, guid)
        return guid

    async def _view(self, scope: Scope, q: Query) -> tuple[MenuView, CacheResult]:
        return await self.menus.view(self._guid(scope, q))

    async def menu(self, scope: Scope, send: Send) -> None:
        q = parse_query(scope["query_string"])
        guid = self._guid(scope, q)
        if q.fmt not in FORMATS:
            raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {q.fmt!r}")
        filters = q.filters()  # a bad filter is 400 before anything is asked of Toast
        ascii_only = q.ascii_only()
        view, cache = await self.menus.view(guid)
        now = datetime.fromtimestamp(self.clock.now(), UTC) if not filters.is_empty else None
        answer = view.menu(filters, q.fmt, now, ascii_only)
        await send_answer(scope, send, answer, view, cache, self.cache_control)

    async def groups(self, scope: Scope, send: Send) -> None:
        view, cache = await self._view(scope, parse_query(scope["query_string"]))
        await send_answer(scope, send, view.groups(), view, cache, self.cache_control)

    async def stock(self, scope: Scope, send: Send) -> None:
        view, cache = await self._view(scope, parse_query(scope["query_string"]))
        await send_answer(scope, send, view.stock_answer(), view, cache, self.cache_control)


def routes(relay: Relay) -> list[Route]:
    s = Screens(relay)
    return [
        Route("/menu/{restaurant}", Endpoint(s.menu), methods=["GET"]),
        Route("/menu/{restaurant}/groups", Endpoint(s.groups), methods=["GET"]),
        Route("/stock/{restaurant}", Endpoint(s.stock), methods=["GET"]),
    ]
