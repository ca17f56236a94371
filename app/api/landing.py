"""``GET /``: what this server is, where its health and docs are, and (in the demo only)
links to each demo account's restaurants (board, JSON and CSV) with that account's key."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from app.api.deps import RelayDep
from app.api.headers import LANDING, NOT_FRAMED
from app.errors import RelayError
from app.relay import Relay
from app.serve.pages import landing_page

router = APIRouter(tags=["operations"])


def demo_restaurants(relay: Relay, key: str) -> list[dict[str, str]]:
    """The restaurants ``key`` may read, whichever account lists them, by alias."""
    try:
        scope = relay.keys.identify(key)
    except RelayError:
        return []
    out = []
    for guid in relay.keys.readable(scope, []):
        ref = next(iter(relay.keys.aliases_of(guid)), guid)
        info = relay.menus.info(guid)
        out.append({"ref": ref, "name": info.name if info else ref})
    return out


@router.get("/", summary="Landing page", response_class=HTMLResponse)
async def landing(request: Request, relay: RelayDep) -> HTMLResponse:
    """A small HTML page: what this is, readiness, links to /docs and the health routes."""
    now = relay.readiness()
    # Only `toast-relay demo` sets demo keys: real deployments never show a key.
    demo_keys: Mapping[str, str] = getattr(request.app.state, "demo_keys", None) or {}
    accounts = [{"name": name, "key": key, "restaurants": demo_restaurants(relay, key)}
                for name, key in demo_keys.items() if name in relay.accounts]
    docs = any(getattr(r, "path", "") == "/docs" for r in request.app.all_routes())
    body = landing_page(root=request.scope.get("root_path", ""), ready=now.ready,
                          ready_detail=now.detail, docs=docs, accounts=accounts)
    return HTMLResponse(body, headers={"Cache-Control": "no-store",
                                       "Content-Security-Policy": LANDING,
                                       "X-Frame-Options": NOT_FRAMED})
