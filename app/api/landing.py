"""``GET /``: what this server is, where its health and docs are, and (in the demo only)
links to each demo restaurant's board, JSON and CSV with the demo key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from app.api.deps import RelayDep
from app.api.headers import LANDING, NOT_FRAMED
from app.serve.pages import landing_page

router = APIRouter(tags=["operations"])


@router.get("/", summary="Landing page", response_class=HTMLResponse)
async def landing(request: Request, relay: RelayDep) -> HTMLResponse:
    """A small HTML page: what this is, readiness, links to /docs and the health routes."""
    now = relay.readiness()
    demo_key: str | None = getattr(request.app.state, "demo_key", None)
    restaurants = []
    if demo_key:  # only `toast-relay demo` sets it: real deployments never show a key
        for alias, guid in relay.settings.relay_restaurants.items():
            info = relay.menus.info(guid)
            restaurants.append({"ref": alias, "name": info.name if info else alias})
    docs = any(getattr(r, "path", "") == "/docs" for r in request.app.all_routes())
    body = landing_page(root=request.scope.get("root_path", ""), ready=now.ready,
                          ready_detail=now.detail, docs=docs, key=demo_key or "",
                          restaurants=restaurants)
    return HTMLResponse(body, headers={"Cache-Control": "no-store",
                                       "Content-Security-Policy": LANDING,
                                       "X-Frame-Options": NOT_FRAMED})
