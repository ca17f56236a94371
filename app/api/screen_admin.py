"""Managing stored screens (admin key): GET /admin/screens, GET/PUT/DELETE /admin/screens/{screen}.

``PUT`` takes the whole definition (``app.screens.model.Screen``) and answers it
with its new ``version``; ``If-Match: "<version>"`` makes the write conditional
(412 when someone else wrote in between; ``"0"``: only if the screen is new; an
``If-Match`` of another form is 400). A bad definition or screen name is 422
naming the field's path. The body and the name are checked here rather than by
FastAPI, whose errors this relay answers as 400 for parameters; the document
carries the same patterns and the body's schema comes from the model
(``app.api.openapi``), so what is documented is what is taken. Rules:
docs/screens.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Request
from starlette.responses import Response

from app.api.deps import AdminKey, RelayDep
from app.api.openapi import errors, ref
from app.config import ALL_RESTAURANTS
from app.errors import BadRequest, Forbidden, InvalidScreen, NotFound, PayloadTooLarge, RelayError
from app.relay import Relay
from app.screens.model import NAME_PATTERN, NAME_RULE, Screen, check_name, parse_screen_json
from app.screens.select import select
from app.store.screens import Stored

router = APIRouter(tags=["admin"], default_response_class=Response)
MAX_BODY = 256 * 1024
IF_MATCH_PATTERN = r'^(?:W/)?"[0-9]{1,15}"$|^[0-9]{1,15}$'
"""``"3"`` (or ``W/"3"``, or ``3``): the only forms of ``If-Match`` a screen write takes."""
_IF_MATCH = re.compile(IF_MATCH_PATTERN)
# The patterns are documented, not enforced by FastAPI: check_name answers a bad name 422
# naming ``screen`` (like a bad field of the definition), expected_version a bad If-Match 400.
ScreenName = Annotated[str, Path(description=f"{NAME_RULE} (else 422)", examples=["drinks"],
                                 json_schema_extra={"pattern": NAME_PATTERN})]
IfMatch = Annotated[str | None, Header(
    description='The version the change is based on, as `"3"` (412 if the screen is at '
                'another); `"0"`: only if there is no such screen. Another form is 400',
    # A header is a string or absent (``required: false``), never null: no null branch.
    json_schema_extra={"anyOf": [{"type": "string", "pattern": IF_MATCH_PATTERN}]})]
_NAME_422 = ("`screen` is not a valid name (`detail` starts with `screen:`)")
_PUT_422 = ("The definition is not one the relay can take, or `screen` is not a valid name: "
            "`detail` starts with the field's path (`screen: …`, `items[2]: …`, "
            "`restaurant: …` for a restaurant this relay does not serve)")
_BAD_IF_MATCH = 'An `If-Match` that is not a version such as `"3"`.'
_REDIS_DOWN = "Screens are kept in Redis and Redis is unreachable: nothing was changed."
_NOT_HERE = "No screen of that name."
_NOT_YOURS = ("An account's admin key, and the screen (or the definition) shows another "
              "account's restaurant, or every restaurant (chain-wide: RELAY_ADMIN_KEY only).")
_EXAMPLE = {"screen": "drinks", "version": 3, "updatedAt": "2026-11-22T13:35:32Z",
            "definition": {"restaurant": "harbor", "title": "Drinks", "menus": [],
                           "groups": ["Coffee & Juice"], "items": [], "hide": [], "rename": {},
                           "describe": {}, "badges": {}, "available": "all",
                           "soldOut": "mark", "parts": 1, "layout": {"theme": "light"},
                           "footer": None, "calorieStatement": None},
            "urls": {"board": ["/s/drinks"], "menu": "/s/drinks/menu"},
            "missing": {}}
_STORED = {"description": "The stored definition with its version",
           "content": {"application/json": {"example": _EXAMPLE}}}


def _json(data: object, status: int = 200, version: int | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if version is not None:
        headers["ETag"] = f'"{version}"'
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2), status_code=status,
                    media_type="application/json", headers=headers)


def expected_version(if_match: str | None) -> int | None:
    """``If-Match: "3"`` (or ``W/"3"``, or ``3``) → 3; absent → None; else 400.

    A tag that is not a version (``*``, ``!``, empty, a list) is refused rather than
    compared, so a client never takes a write it did not make conditional for done."""
    if if_match is None:
        return None
    value = if_match.strip()
    if not _IF_MATCH.fullmatch(value):
        raise BadRequest(f'If-Match must be a version such as "3" (as the ETag of GET '
                         f'/admin/screens/{{screen}}), got {if_match[:40]!r}')
    return int(value.removeprefix("W/").strip('"'))


def urls(stored: Stored) -> dict[str, Any]:
    """Where players find the screen (add ``?key=``; chain-wide: ``&restaurant=``)."""
    base = f"/s/{stored.name}"
    parts = stored.screen.parts
    boards = [base] if parts == 1 else [f"{base}?part={k}" for k in range(1, parts + 1)]
    return {"board": boards, "menu": f"{base}/menu"}


async def missing(relay: Relay, screen: Screen) -> dict[str, list[str]] | None:
    """What the screen names that the menu no longer has (None: no menu to compare with).

    A chain-wide screen is compared with every restaurant this replica holds."""
    guids = ([relay.keys.resolve(screen.restaurant)] if screen.restaurant
             else relay.menus.known())
    found: dict[str, list[str]] = {}
    compared = False
    for guid in guids:
        held = relay.menus.cached(guid)
        try:
            view = held[0] if held else (await relay.menus.view(guid))[0]
        except RelayError:
            continue
        compared = True
        for kind, names in select(view.flat, view.rows, screen).missing.items():
            found.setdefault(kind, [])
            found[kind].extend(n for n in names if n not in found[kind])
    return found if compared else None


def manages(relay: Relay, admin: str, screen: Screen) -> bool:
    """Whether an admin of ``admin`` (``*``: RELAY_ADMIN_KEY) manages ``screen``: its
    restaurant's account's admin does; a chain-wide screen, or one whose restaurant no
    account serves any more, only RELAY_ADMIN_KEY."""
    if admin == ALL_RESTAURANTS:
        return True
    if screen.restaurant is None:
        return False
    try:
        return relay.keys.manages(admin, relay.keys.resolve(screen.restaurant))
    except RelayError:
        return False


def check_manages(relay: Relay, admin: str, *screens: Screen | None) -> None:
    """403 unless an admin of ``admin`` manages each of ``screens`` (None: no screen)."""
    for screen in screens:
        if screen is not None and not manages(relay, admin, screen):
            raise Forbidden("this admin key manages another account's screens (a chain-wide "
                            "screen: every account's); use RELAY_ADMIN_KEY or that "
                            "account's admin_key")


def _check_restaurant(relay: Relay, screen: Screen) -> None:
    if screen.restaurant is None:
        return
    try:
        relay.keys.resolve(screen.restaurant)
    except RelayError as exc:
        raise InvalidScreen(f"restaurant: {exc.detail}") from None


@router.get("/admin/screens", summary="Every stored screen", responses={
    200: {"description": "Each screen's name, version, restaurant and player URLs",
          "content": {"application/json": {"example": {"screens": [
              {"screen": "drinks", "version": 3, "updatedAt": "2026-11-22T13:35:32Z",
               "restaurant": "harbor", "title": "Drinks", "parts": 1,
               "urls": {"board": ["/s/drinks"], "menu": "/s/drinks/menu"}}]}}}},
    **errors(401)})
async def list_screens(relay: RelayDep, admin: AdminKey) -> Response:
    """Every stored screen the key manages, by name (an account's admin key: the screens
    of its account's restaurants)."""
    return _json({"screens": [
        {"screen": s.name, "version": s.version, "updatedAt": s.updated_at,
         "restaurant": s.screen.restaurant, "title": s.screen.title, "parts": s.screen.parts,
         "urls": urls(s)} for s in relay.screens.all() if manages(relay, admin, s.screen)]})


@router.get("/admin/screens/{screen}", summary="One screen's definition", responses={
    200: _STORED, **errors(401, why={403: _NOT_YOURS, 404: _NOT_HERE, 422: _NAME_422})})
async def get_screen(relay: RelayDep, admin: AdminKey, screen: ScreenName) -> Response:
    """The definition, its version, its player URLs, and under ``missing`` the menu
    names, group names and item GUIDs it names that the menu no longer has (null when
    the menu could not be read)."""
    check_name(screen)
    stored = relay.screens.get(screen)
    if stored is None:
        raise NotFound(f"no screen named {screen!r}; GET /admin/screens lists them")
    check_manages(relay, admin, stored.screen)
    return _json({**stored.as_json(), "urls": urls(stored),
                  "missing": await missing(relay, stored.screen)}, version=stored.version)


@router.put("/admin/screens/{screen}", summary="Create or replace a screen", responses={
    200: _STORED, **errors(401, 412, 413, why={400: _BAD_IF_MATCH, 403: _NOT_YOURS, 422: _PUT_422,
                                                503: _REDIS_DOWN})},
    openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {"schema": ref("Screen")}}}})
async def put_screen(relay: RelayDep, admin: AdminKey, request: Request, screen: ScreenName,
                     if_match: IfMatch = None) -> Response:
    """Store the whole definition as the screen's next version; open boards of it
    update within two seconds."""
    check_name(screen)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PayloadTooLarge(f"a screen definition is at most {MAX_BODY // 1024} KiB")
    definition = parse_screen_json(body)
    _check_restaurant(relay, definition)
    held = relay.screens.get(screen)
    check_manages(relay, admin, held.screen if held else None, definition)
    stored = await relay.screens.put(screen, definition, expected_version(if_match))
    return _json({**stored.as_json(), "urls": urls(stored),
                  "missing": await missing(relay, stored.screen)}, version=stored.version)


@router.delete("/admin/screens/{screen}", summary="Delete a screen", status_code=204,
               responses={204: {"description": "Deleted"}, **errors(
                   401, 412, why={400: _BAD_IF_MATCH, 403: _NOT_YOURS, 404: _NOT_HERE,
                                  422: _NAME_422, 503: _REDIS_DOWN})})
async def delete_screen(relay: RelayDep, admin: AdminKey, screen: ScreenName,
                        if_match: IfMatch = None) -> Response:
    """Delete the screen; its players then get 404."""
    check_name(screen)
    held = relay.screens.get(screen)
    check_manages(relay, admin, held.screen if held else None)
    if not await relay.screens.delete(screen, expected_version(if_match)):
        raise NotFound(f"no screen named {screen!r}; GET /admin/screens lists them")
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
