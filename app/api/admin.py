"""Operator routes: /admin/status[/{restaurant}], /admin/refresh/{restaurant}, /metrics.

``POST /admin/refresh`` waits for Toast, within Toast's limits: a burst of them (a
script refreshing 100 restaurants) stays open for as long as the budget takes to let
the fetches through, 20 s and more. Held open through FastAPI, each request keeps many
more objects for the garbage collector to scan (coroutine frames of middleware and
routing, request objects, exit stacks, closures), and at 1,000 restaurants a full
collection during such a burst would hold the event loop past its goal
(docs/performance.md, "Measurements behind the code"). So it is a raw endpoint on the
fast lane like the screen routes (``Refresh``). The FastAPI function below only
documents it.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.access import presented_key
from app.api.admin_status import EXAMPLE, RESTAURANT_EXAMPLE, AdminStatus, status_answer
from app.api.deps import AdminKey, AdminRestaurant, MetricsKey, RelayDep, check_manages
from app.api.headers import LOCKED
from app.api.openapi import TOAST_ERRORS, errors, json_answer
from app.errors import NotFound
from app.relay import Relay
from app.serve.query import parse_query
from app.serve.status import Selection

router = APIRouter(default_response_class=Response)
fast_lane_docs = APIRouter(default_response_class=Response)
"""Documents the fast-lane admin route (``Refresh``); requests never reach it."""
DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_OFFSET = 2**31 - 1
"""Far past any relay's restaurants; the bound keeps ``offset`` (echoed in ``page``) a JSON
number the encoder takes (past 64 bits it was a 500)."""


class RestaurantStatus(BaseModel):
    """One restaurant's freshness as the refresh loop sees it."""

    restaurant: str
    state: str
    lastUpdated: str | None
    fetchedAt: str | None
    stale: bool | None
    lastError: str | None
    account: str
    """The Toast account serving it."""


def _json(data: object) -> Response:
    # LOCKED: POST /admin/refresh runs on the fast lane, outside SecurityHeaders.
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2),
                    media_type="application/json",
                    headers={"Cache-Control": "no-store", **LOCKED})


@router.get("/admin/status", tags=["admin"], summary="Token, freshness and budget",
            responses={200: json_answer(AdminStatus, EXAMPLE), **errors(400, 401)})
async def status(
    relay: RelayDep, admin: AdminKey,
    state: Annotated[Selection, Query(description=(
        "which restaurants to list: all, problems (anything not ok, or failing stock "
        "checks), or one state"))] = "all",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="entries to skip (by GUID)")
                      ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="entries per page")]
    = DEFAULT_PAGE,
) -> Response:
    """Token state (never the token), a summary of every restaurant, one page of them
    (``page.next`` links the next), Toast's budget as spent and as planned, where state lives,
    webhooks and event streams; under ``accounts`` the same for each Toast account. An
    account's admin key sees only its account, RELAY_ADMIN_KEY all of them."""
    return _json(status_answer(relay, admin, selection=state, offset=offset, limit=limit))


@router.get("/admin/status/{restaurant}", tags=["admin"], summary="One restaurant's status",
            responses={200: json_answer(RestaurantStatus, RESTAURANT_EXAMPLE),
                       **errors(400, 401, 404)})
async def restaurant_status(relay: RelayDep, guid: AdminRestaurant) -> Response:
    """One restaurant's entry, with the same fields as in /admin/status."""
    facts = relay.menus.facts_of(guid)
    if facts is None:
        raise NotFound(f"the relay does not track {guid} (not configured and not asked "
                       "for recently); GET /menu/{restaurant} loads it")
    return _json(facts.as_json(relay.keys.account_of(guid)))


@fast_lane_docs.post("/admin/refresh/{restaurant}", tags=["admin"],
                     summary="Refresh one restaurant now",
                     responses={200: json_answer(RestaurantStatus, RESTAURANT_EXAMPLE),
                                **errors(400, 401, 404), **TOAST_ERRORS})
def refresh(guid: AdminRestaurant) -> None:
    """Check one restaurant now and re-fetch its menu (Toast's limits still apply); the
    answer, once Toast has answered, is the restaurant's entry as in /admin/status."""


class Refresh:
    """``POST /admin/refresh/{restaurant}``, raw: admin key (401), then the reference
    (400, 404), then the refresh, and the restaurant's entry as JSON."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = self.relay
        account = relay.keys.admin(presented_key(scope, parse_query(scope["query_string"]).key))
        guid = relay.keys.resolve_path(scope)
        check_manages(relay.keys, account, guid)
        await relay.menus.refresh(guid)
        facts = relay.menus.facts_of(guid)
        owner = relay.keys.account_of(guid)
        await _json(facts.as_json(owner) if facts else {"restaurant": guid, "account": owner}
                    )(scope, receive, send)


def routes(relay: Relay) -> list[Route]:
    return [Route("/admin/refresh/{restaurant}", Refresh(relay), methods=["POST"])]


@router.get("/metrics", tags=["operations"], summary="Prometheus metrics", responses={
    200: {"description": "Prometheus text format; no keys, tokens or secrets.",
          "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}},
    **errors(401)},
    # An empty requirement: the key is optional (needed only when RELAY_METRICS_KEY is set).
    openapi_extra={"security": [{}]})
async def metrics(relay: RelayDep, _: MetricsKey) -> Response:
    """Request, cache, Toast-call, token and per-restaurant freshness metrics. Open unless
    RELAY_METRICS_KEY is set (they name restaurant GUIDs and webhook failure counts)."""
    return Response(generate_latest(relay.metrics.registry), media_type=CONTENT_TYPE_LATEST)
