"""``GET /admin/changes/{restaurant}``: recent menu versions and what changed in each.

How an operator answers "why did the board show that price at 6 pm?": find the
newest version whose ``atLocal`` is before 18:00 local; its ETag is what screens
were sent from then on, and the versions around it name each price change, item
added or removed and item sold out or back (see docs/troubleshooting.md, "What changed, when").
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from app.api.deps import AdminRestaurant, RelayDep
from app.api.openapi import errors, json_answer
from app.serve.history import versions_json

router = APIRouter(default_response_class=Response)

_EXAMPLE = {
    "restaurant": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c", "name": "Harbor Lights Kitchen",
    "timeZone": "America/New_York",
    "current": {"etag": '"5c1f0e0a9b1d4c7f8e2a3b4c5d6e7f80"',
                "lastUpdated": "2026-11-22T22:58:03.120+0000",
                "lastModified": "Sun, 22 Nov 2026 22:58:04 GMT", "stale": False},
    "versions": [{
        "at": "2026-11-22T22:58:04Z", "atLocal": "2026-11-22T17:58:04-05:00",
        "reason": "menu", "lastUpdated": "2026-11-22T22:58:03.120+0000",
        "etag": '"5c1f0e0a9b1d4c7f8e2a3b4c5d6e7f80"', "rows": 64,
        "changes": {"added": [], "removed": [], "soldOut": [], "backInStock": [],
                    "priceChanges": [{"guid": "d2ed7af5-a563-534a-805b-6f9b47894e9d",
                                      "name": "Black Bean Burger", "before": "$14.00",
                                      "after": "$15.25"}],
                    "otherEdits": 0,
                    "counts": {"added": 0, "removed": 0, "priceChanges": 1, "soldOut": 0,
                               "backInStock": 0}}}]}


@router.get("/admin/changes/{restaurant}", tags=["admin"],
            summary="Recent menu versions and what changed",
            responses={200: json_answer({"type": "object"}, _EXAMPLE), **errors(400, 401, 404)})
async def changes(relay: RelayDep, guid: AdminRestaurant) -> Response:
    """The restaurant's recent menu versions, newest first: when each was first served
    (UTC and restaurant-local), Toast's `lastUpdated`, the ETag screens got, and what
    changed (items added or removed, price changes, sold out, back in stock). A new
    version is noted when a published menu, a stock change or a time-specific price
    changes the rows; the newest `RELAY_HISTORY_SIZE` are kept (in `RELAY_DATA_DIR`
    when set)."""
    view = relay.menus.current(guid)
    time_zone = view.info.time_zone if view else None
    body = {
        "restaurant": guid,
        "name": view.info.name if view else None,
        "timeZone": time_zone,
        "current": None if view is None else {
            "etag": view.json.etag, "lastUpdated": view.last_updated,
            "lastModified": view.last_modified, "stale": view.stale},
        "versions": versions_json(relay.menus.versions(guid), time_zone),
    }
    return Response(orjson.dumps(body, option=orjson.OPT_INDENT_2), media_type="application/json",
                    headers={"Cache-Control": "no-store"})
