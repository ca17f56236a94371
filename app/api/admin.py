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

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.access import presented_key
from app.api.deps import AdminKey, AdminRestaurant, MetricsKey, RelayDep, check_manages
from app.api.headers import LOCKED
from app.api.openapi import TOAST_ERRORS, errors, json_answer
from app.errors import NotFound
from app.relay import Relay
from app.serve.query import parse_query
from app.serve.status import Selection, page, summarise

router = APIRouter(default_response_class=Response)
fast_lane_docs = APIRouter(default_response_class=Response)
"""Documents the fast-lane admin route (``Refresh``); requests never reach it."""
DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_OFFSET = 2**31 - 1
"""Far past any relay's restaurants; the bound keeps ``offset`` (echoed in ``page``) a JSON
number the encoder takes (past 64 bits it was a 500)."""


class AdminStatus(BaseModel):
    """Token state (never the token), a summary of the restaurants and one page of them,
    Toast's budget as spent (``upstream``) and as planned (``budget``: the effective
    polling intervals)."""

    token: dict[str, Any]
    readiness: dict[str, Any]
    """What /readyz answers (``status``, ``detail``, ``loginError``, ``restaurants``)."""
    summary: dict[str, Any]
    restaurants: list[dict[str, Any]]
    page: dict[str, Any]
    upstream: dict[str, Any]
    budget: dict[str, Any]
    state: dict[str, Any]
    """Where state lives: ``local``, or ``redis`` with ``up`` and ``degraded``."""
    webhooks: dict[str, Any]
    events: dict[str, Any]


class RestaurantStatus(BaseModel):
    """One restaurant's freshness as the refresh loop sees it."""

    restaurant: str
    state: str
    lastUpdated: str | None
    fetchedAt: str | None
    stale: bool | None
    lastError: str | None


_STATUS_EXAMPLE = {
    "restaurant": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c", "state": "ok",
    "name": "Harbor Lights Kitchen",
    "lastUpdated": "2025-02-15T12:30:00.000+0000", "fetchedAt": "2026-11-22T13:35:32Z",
    "checkedAt": "2026-11-22T13:36:32Z", "stale": False, "rows": 64, "lastError": None,
    "stockError": None, "nextCheck": "2026-11-22T13:37:32Z",
    "nextStockCheck": "2026-11-22T13:37:32Z", "pinned": True}


def _json(data: object) -> Response:
    # LOCKED: POST /admin/refresh runs on the fast lane, outside SecurityHeaders.
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2),
                    media_type="application/json",
                    headers={"Cache-Control": "no-store", **LOCKED})


@router.get("/admin/status", tags=["admin"], summary="Token, freshness and budget",
            responses={200: json_answer(AdminStatus, {
                "token": {"mode": "machine", "expiresAt": "2026-11-23T13:35:30Z"},
                "readiness": {"status": "ready",
                              "detail": "Toast token valid until 2026-11-23T13:35:30Z",
                              "loginError": None,
                              "restaurants": {"total": 1, "servable": 1}},
                "summary": {"total": 1, "ok": 1, "stale": 0, "loading": 0, "unavailable": 0,
                            "problems": 0, "stockFailing": 0, "pinned": 1, "rows": 64,
                            "oldestCheckedAt": "2026-11-22T13:36:32Z",
                            "maxCheckAgeSeconds": 12.0},
                "restaurants": [_STATUS_EXAMPLE],
                "page": {"offset": 0, "limit": 50, "matching": 1, "state": "all",
                         "next": None},
                "upstream": {
                    "perSecond": {"used": 3, "limit": 18, "toastLimit": 20},
                    "perWindow": {"used": 2410, "limit": 9500, "backgroundLimit": 8500,
                                  "toastLimit": 10000, "seconds": 900.0},
                    "menusSpacing": 1.05, "throttledTotal": 12, "blocked": {},
                    "waiting": {"login": 0, "first_load": 0, "urgent": 0, "background": 4}},
                "budget": {
                    "restaurants": 500, "webhookFed": 0,
                    "configured": {"metadataInterval": 60.0, "stockInterval": 60.0},
                    "effective": {"metadataInterval": 120.0, "webhookMetadataInterval": 3600.0,
                                  "stockInterval": 120.0, "stretch": 2.0,
                                  "plannedCallsPerWindow": 7500.0,
                                  "plannedBudgetPerWindow": 7500, "windowSeconds": 900.0}},
                "state": {"backend": "local", "degraded": False},
                "webhooks": {"enabled": True, "outcomes": {"accepted": 12},
                             "restaurants": {"c0dd7491-1f6d-5316-a0d3-afe13f97e29c": {
                                 "events": 12, "lastEventAt": "2026-11-22T13:30:02Z",
                                 "signatureFailures": 0, "byType": {"menus_updated": 12}}}},
                "events": {"streams": 3, "maxStreams": 1000,
                           "byRestaurant": {"c0dd7491-1f6d-5316-a0d3-afe13f97e29c": 3}},
            }), **errors(400, 401)})
async def status(
    relay: RelayDep, _: AdminKey,
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
    webhooks and event streams."""
    facts = relay.menus.facts()
    shown = page(facts, selection=state, offset=offset, limit=limit)
    return _json({
        "token": relay.tokens.status(),
        "readiness": relay.readiness().as_json(),
        "summary": summarise(facts, relay.clock.now()),
        "restaurants": shown.entries,
        "page": shown.as_json("/admin/status", state),
        "upstream": relay.limiter.state(),
        "budget": relay.budget.status(),
        "state": relay.state.status(),
        "webhooks": ({"enabled": True, **relay.webhooks.stats.status()}
                     if relay.webhooks is not None else {"enabled": False}),
        "events": relay.changes.status(),
    })


@router.get("/admin/status/{restaurant}", tags=["admin"], summary="One restaurant's status",
            responses={200: json_answer(RestaurantStatus, _STATUS_EXAMPLE),
                       **errors(400, 401, 404)})
async def restaurant_status(relay: RelayDep, guid: AdminRestaurant) -> Response:
    """One restaurant's entry, with the same fields as in /admin/status."""
    facts = relay.menus.facts_of(guid)
    if facts is None:
        raise NotFound(f"the relay does not track {guid} (not configured and not asked "
                       "for recently); GET /menu/{restaurant} loads it")
    return _json(facts.as_json())


@fast_lane_docs.post("/admin/refresh/{restaurant}", tags=["admin"],
                     summary="Refresh one restaurant now",
                     responses={200: json_answer(RestaurantStatus, _STATUS_EXAMPLE),
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
        await _json(facts.as_json() if facts else {"restaurant": guid})(scope, receive, send)


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
