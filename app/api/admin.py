"""Operator routes: /admin/status, /admin/refresh/{restaurant} and /metrics."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.responses import Response

from app.api.deps import AdminKey, AdminRestaurant, RelayDep
from app.api.openapi import KEY_ERRORS, TOAST_ERRORS, errors, json_answer

router = APIRouter(default_response_class=Response)


class AdminStatus(BaseModel):
    """Token state (never the token), each active restaurant, Toast's budget as spent
    (``upstream``) and as planned (``budget``: the effective polling intervals)."""

    token: dict[str, Any]
    restaurants: list[dict[str, Any]]
    upstream: dict[str, Any]
    budget: dict[str, Any]
    state: dict[str, Any]
    """Where state lives: ``local``, or ``redis`` with ``up`` and ``degraded``."""
    webhooks: dict[str, Any]
    events: dict[str, Any]


class RestaurantStatus(BaseModel):
    """One restaurant's freshness as the refresh loop sees it."""

    restaurant: str
    lastUpdated: str | None
    fetchedAt: str | None
    stale: bool | None
    lastError: str | None


_STATUS_EXAMPLE = {
    "restaurant": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c", "name": "Harbor Lights Kitchen",
    "lastUpdated": "2025-02-15T12:30:00.000+0000", "fetchedAt": "2026-11-22T13:35:32Z",
    "checkedAt": "2026-11-22T13:36:32Z", "stale": False, "rows": 64, "lastError": None,
    "stockError": None, "nextCheck": "2026-11-22T13:37:32Z",
    "nextStockCheck": "2026-11-22T13:37:32Z", "pinned": True}


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2), status_code=status,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/admin/status", tags=["admin"], summary="Token, freshness and budget",
            responses={200: json_answer(AdminStatus, {
                "token": {"mode": "machine", "expiresAt": "2026-11-23T13:35:30Z"},
                "restaurants": [_STATUS_EXAMPLE],
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
            }), **KEY_ERRORS})
async def status(relay: RelayDep, _: AdminKey) -> Response:
    """Token state (never the token), each active restaurant, Toast's budget as spent and
    as planned (the effective intervals)."""
    return _json({
        "token": relay.tokens.status(),
        "restaurants": relay.menus.status(),
        "upstream": relay.limiter.state(),
        "budget": relay.budget.status(),
        "state": relay.state.status(),
        "webhooks": ({"enabled": True, **relay.webhooks.stats.status()}
                     if relay.webhooks is not None else {"enabled": False}),
        "events": relay.changes.status(),
    })


@router.post("/admin/refresh/{restaurant}", tags=["admin"], summary="Refresh one restaurant now",
             responses={200: json_answer(RestaurantStatus, _STATUS_EXAMPLE),
                        **errors(400, 401, 404), **TOAST_ERRORS})
async def refresh(relay: RelayDep, guid: AdminRestaurant) -> Response:
    """Check one restaurant now and re-fetch its menu (Toast's limits still apply)."""
    await relay.menus.refresh(guid)
    entry = next(r for r in relay.menus.status() if r["restaurant"] == guid)
    return _json(entry)


@router.get("/metrics", tags=["operations"], summary="Prometheus metrics", responses={
    200: {"description": "Prometheus text format; no keys, tokens or secrets.",
          "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
async def metrics(relay: RelayDep) -> Response:
    """Request, cache, Toast-call, token and per-restaurant freshness metrics."""
    return Response(generate_latest(relay.metrics.registry), media_type=CONTENT_TYPE_LATEST)
