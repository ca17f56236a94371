"""Operator routes: /admin/status, /admin/refresh/{restaurant} and /metrics."""

from __future__ import annotations

import hmac

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api.keys import presented_key
from app.errors import Unauthorized
from app.relay import Relay


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2), status_code=status,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


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
        """Token state (never the token), each active restaurant, the upstream limiter."""
        require_admin(request)
        return _json({
            "token": relay.tokens.status(),
            "restaurants": relay.menus.status(),
            "upstream": relay.limiter.state(),
            "webhooks": ({"enabled": True, **relay.webhooks.stats.status()}
                         if relay.webhooks is not None else {"enabled": False}),
            "events": relay.changes.status(),
        })

    async def refresh(request: Request) -> Response:
        """Check one restaurant now and re-fetch its menu (Toast's limits still apply)."""
        require_admin(request)
        guid = relay.keys.resolve(request.path_params["restaurant"])
        request.scope["relay"]["restaurant"] = guid
        await relay.menus.refresh(guid)
        entry = next(r for r in relay.menus.status() if r["restaurant"] == guid)
        return _json(entry)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(relay.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/admin/status", status, methods=["GET"]),
        Route("/admin/refresh/{restaurant}", refresh, methods=["POST"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
