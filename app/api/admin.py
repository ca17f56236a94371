"""Operator routes: /admin/status[/{restaurant}], /admin/refresh/{restaurant}, /metrics."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api.keys import presented_key
from app.cache.status import SELECTIONS, page, summarise
from app.errors import BadRequest, NotFound, Unauthorized
from app.relay import Relay

DEFAULT_PAGE = 50
MAX_PAGE = 1000


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2), status_code=status,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


def status_query(params: Mapping[str, str]) -> tuple[str, int, int]:
    """``?state=&offset=&limit=`` of /admin/status, checked; BadRequest names the fix."""
    selection = params.get("state", "all")
    if selection not in SELECTIONS:
        raise BadRequest(f"state must be one of {', '.join(SELECTIONS)}, not {selection!r}")
    numbers = []
    for name, default, top in (("offset", 0, None), ("limit", DEFAULT_PAGE, MAX_PAGE)):
        raw = params.get(name, str(default))
        if not raw.isdigit() or (top is not None and not 1 <= int(raw) <= top):
            bounds = f"from 1 to {top}" if top else "0 or more"
            raise BadRequest(f"{name} must be a whole number {bounds}, not {raw!r}")
        numbers.append(int(raw))
    return selection, numbers[0], numbers[1]


def routes(relay: Relay) -> list[Route]:
    admin_key = relay.settings.relay_admin_key

    def require_admin(request: Request) -> None:
        given = presented_key(request.scope, request.query_params.get("key"))
        if admin_key is None:
            raise Unauthorized("admin is disabled; set RELAY_ADMIN_KEY to use /admin")
        if not given or not hmac.compare_digest(
                given.encode(), admin_key.get_secret_value().encode()):
            raise Unauthorized("admin key missing or wrong; send RELAY_ADMIN_KEY as X-API-Key "
                               "or ?key=")

    async def status(request: Request) -> Response:
        """Token state (never the token), a summary of the restaurants with one page of
        them, and the upstream limiter."""
        require_admin(request)
        selection, offset, limit = status_query(request.query_params)
        facts = relay.menus.facts()
        shown = page(facts, selection=selection, offset=offset, limit=limit)
        return _json({
            "token": relay.tokens.status(),
            "summary": summarise(facts, relay.clock.now()),
            "restaurants": shown.entries,
            "page": shown.as_json(request.url.path, selection),
            "upstream": relay.limiter.state(),
        })

    async def restaurant_status(request: Request) -> Response:
        """One restaurant's entry (the same fields as in /admin/status)."""
        require_admin(request)
        guid = relay.keys.resolve(request.path_params["restaurant"])
        request.scope["relay"]["restaurant"] = guid
        facts = relay.menus.facts_of(guid)
        if facts is None:
            raise NotFound(f"the relay does not track {guid} (not configured and not asked "
                           "for recently); GET /menu/{restaurant} loads it")
        return _json(facts.as_json())

    async def refresh(request: Request) -> Response:
        """Check one restaurant now and re-fetch its menu (Toast's limits still apply)."""
        require_admin(request)
        guid = relay.keys.resolve(request.path_params["restaurant"])
        request.scope["relay"]["restaurant"] = guid
        await relay.menus.refresh(guid)
        facts = relay.menus.facts_of(guid)
        return _json(facts.as_json() if facts else {"restaurant": guid})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(relay.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/admin/status", status, methods=["GET"]),
        Route("/admin/status/{restaurant}", restaurant_status, methods=["GET"]),
        Route("/admin/refresh/{restaurant}", refresh, methods=["POST"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
