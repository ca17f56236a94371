"""GET /toast/{path}: allow-listed Toast GETs for players already built against Toast's JSON."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from app.api.deps import RelayDep, ScreenRestaurantQuery
from app.api.openapi import TOAST_ERRORS, errors
from app.logs import account_context
from app.toast.passthrough import ALLOWED, JSON, on_allowlist

router = APIRouter(tags=["pass-through"], default_response_class=Response)



def _toast_or_ours(description: str) -> dict[str, object]:
    """An error that is either the relay's JSON error body or Toast's own answer, as is."""
    return {"description": description + " Toast's errors keep Toast's status and body.",
            "content": {"application/json": {"schema": {"anyOf": [
                {"$ref": "#/components/schemas/ErrorBody"}, {"type": "object"}]}}}}


def allow_listed(path: str) -> None:
    """404 for a path off the allowlist, before the key and ``?restaurant=`` are looked at
    (declared first, so it runs first)."""
    on_allowlist(path)


@router.get("/toast/{path:path}", summary="Read-only Toast pass-through", responses={
    200: {"description": "Toast's answer, as Toast sent it (`/menus/v2/menus` comes from the "
                         "relay's own copy), always as `application/json` with "
                         "`X-Content-Type-Options: nosniff`. `X-Cache: HIT|MISS|STALE`.",
          "content": {"application/json": {"schema": {}, "example": {
              "restaurantGuid": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c",
              "lastUpdated": "2025-02-15T12:30:00.000+0000"}}}},
    **errors(400, 401), 403: _toast_or_ours("The key may not read this restaurant, or "
                                            "Toast's 403 (not connected)."),
    404: _toast_or_ours("Not on the allowlist (nothing is asked of Toast), an unknown "
                        "restaurant, or Toast's 404."),
    429: _toast_or_ours("Toast's rate limit, with `Retry-After`."),
    **TOAST_ERRORS,
})
async def passthrough(
    path: Annotated[str, Path(description="A Toast path from the allowlist: "
                                          + ", ".join(ALLOWED),
                              examples=["menus/v2/metadata"])],
    _: Annotated[None, Depends(allow_listed)],
    relay: RelayDep,
    guid: ScreenRestaurantQuery,
    status: Annotated[Literal["OUT_OF_STOCK", "QUANTITY"] | None, Query(
        description="stock/v1/inventory only: narrow to one status.")] = None,
    include_archived: Annotated[bool | None, Query(
        alias="includeArchived", description="restaurants/v1/restaurants/{GUID} only.")] = None,
) -> Response:
    """A read-only copy of an allow-listed Toast GET, with the relay's token and the
    `Toast-Restaurant-External-ID` header added. The restaurant comes from
    `?restaurant=` (a GUID or alias the key may read). Toast's errors come back with
    Toast's status and body; anything off the allowlist is 404 without a call to Toast."""
    params: dict[str, str] = {}
    if status is not None:
        params["status"] = status
    if include_archived is not None:
        params["includeArchived"] = "true" if include_archived else "false"
    account = relay.account_of(guid)
    passthrough = account.passthrough
    with account_context(account.name):  # its Toast errors are logged under its name
        passed = await passthrough.get(guid, path, params)
    # Always JSON, and not to be sniffed: Toast (or whatever answers in its place) could
    # send HTML, which must never render on the relay's origin.
    headers = {"Cache-Control": f"private, max-age={int(passthrough.ttl)}",
               "X-Cache": passed.cache, "X-Content-Type-Options": "nosniff"}
    if passed.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(passed.retry_after))
    return Response(passed.body, status_code=passed.status, media_type=JSON, headers=headers)
