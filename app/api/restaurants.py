"""GET /restaurants: the restaurants a screen key may read, with names and time zones."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from app.api.deps import RelayDep, ScreenKey
from app.api.examples import RESTAURANTS_EXAMPLE
from app.api.openapi import KEY_ERRORS, json_answer

router = APIRouter(tags=["screens"], default_response_class=Response)


class RestaurantEntry(BaseModel):
    guid: str
    aliases: list[str]
    name: str | None
    timeZone: str | None


class Restaurants(BaseModel):
    """Names and time zones are null until the relay has loaded that restaurant once."""

    restaurants: list[RestaurantEntry]


@router.get("/restaurants", summary="Restaurants this key may read",
            responses={200: json_answer(Restaurants, RESTAURANTS_EXAMPLE), **KEY_ERRORS})
async def restaurants(relay: RelayDep, scope: ScreenKey) -> Response:
    """Configured restaurants and those loaded since start-up that the key may read."""
    out = []
    for guid in relay.keys.readable(scope, relay.menus.known()):
        info = relay.menus.info(guid)
        out.append({
            "guid": guid,
            "aliases": relay.keys.aliases_of(guid),
            "name": info.name if info else None,
            "timeZone": info.time_zone if info else None,
        })
    return Response(orjson.dumps({"restaurants": out}), media_type="application/json",
                    headers={"Cache-Control": "private, no-cache"})
