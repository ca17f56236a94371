"""What screens poll: /menu, /menu/{r}/groups, /stock/{r}, /restaurants.

These are plain Starlette endpoints on purpose: a request is a key check, a
dictionary lookup and a write of bytes rendered when the menu last changed; no
dependency injection, validation or serialisation runs per request.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api.keys import presented_key
from app.cache.service import CacheResult
from app.cache.views import Answer, MenuView
from app.errors import BadRequest
from app.menu.filters import Filters
from app.relay import Relay

_NOT_FILTERS = frozenset({"key", "format"})


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; proxies that gzip add W/.
    bare = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == bare for t in header.split(","))


def send(
    request: Request, answer: Answer, view: MenuView, cache: CacheResult, max_age: int
) -> Response:
    headers = {
        "ETag": answer.etag,
        "Cache-Control": f"private, max-age={max_age}",
        "Last-Modified": view.last_modified,
        "X-Cache": cache,
    }
    request.scope["relay"]["cache"] = cache
    if _etag_matches(request.headers.get("if-none-match"), answer.etag):
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def routes(relay: Relay) -> list[Route]:
    keys, menus, clock = relay.keys, relay.menus, relay.clock
    max_age = int(min(30.0, relay.settings.relay_refresh_interval / 2))

    async def authorized_view(request: Request) -> tuple[MenuView, CacheResult]:
        scope = keys.identify(presented_key(request))
        guid = keys.resolve(request.path_params["restaurant"])
        request.scope["relay"]["restaurant"] = guid
        keys.authorize(scope, guid)
        return await menus.view(guid)

    async def menu(request: Request) -> Response:
        view, cache = await authorized_view(request)
        params = request.query_params
        fmt = params.get("format", "json").lower()
        if fmt not in ("json", "csv"):
            raise BadRequest(f"format must be json or csv, not {fmt!r}")
        filters = Filters.from_query(
            (k, v) for k, v in params.multi_items() if k not in _NOT_FILTERS)
        now = datetime.fromtimestamp(clock.now(), UTC)
        return send(request, view.menu(filters, fmt, now), view, cache, max_age)

    async def groups(request: Request) -> Response:
        view, cache = await authorized_view(request)
        return send(request, view.groups(), view, cache, max_age)

    async def stock(request: Request) -> Response:
        view, cache = await authorized_view(request)
        return send(request, view.stock_answer(), view, cache, max_age)

    async def restaurants(request: Request) -> Response:
        scope = keys.identify(presented_key(request))
        out = []
        for guid in keys.readable(scope, menus.known()):
            info = menus.info(guid)
            out.append({
                "guid": guid,
                "aliases": keys.aliases_of(guid),
                "name": info.name if info else None,
                "timeZone": info.time_zone if info else None,
            })
        return Response(orjson.dumps({"restaurants": out}), media_type="application/json",
                        headers={"Cache-Control": "private, no-cache"})

    return [
        Route("/menu/{restaurant}", menu, methods=["GET"]),
        Route("/menu/{restaurant}/groups", groups, methods=["GET"]),
        Route("/stock/{restaurant}", stock, methods=["GET"]),
        Route("/restaurants", restaurants, methods=["GET"]),
    ]
