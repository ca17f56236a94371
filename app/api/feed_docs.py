"""OpenAPI documentation of the fast-lane screen routes.

Screen routes are raw ASGI endpoints (``app.api.feeds``), so FastAPI cannot read
their parameters. Each one gets a stub here instead: a function whose signature
is the route's documentation. The stubs are registered in the FastAPI app, but
requests never reach them (``FastLane`` sends every fast-lane path to the raw
router first); ``tests/unit/api/test_openapi.py`` checks that each fast-lane route
has exactly one stub. The query parameters a stub documents come from the table the
fast lane's parser reads (``app.serve.params``), so documentation and parser agree.
Documenting a new fast-lane route is one decorated stub::

    @screen_route("/board/{restaurant}", "A ready-to-display HTML board", html_answer())
    @takes(*BOARD_OPTIONS)
    def board(guid: ScreenRestaurant, filters: MenuFilters) -> None:
        \"\"\"The description shown in /docs.\"\"\"
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, cast

from fastapi import APIRouter, Depends, Header, Path, Query
from starlette.responses import Response

from app.api.deps import ScreenKey, ScreenRestaurant
from app.api.examples import GROUPS_EXAMPLE, MENU_CSV_EXAMPLE, MENU_EXAMPLE, STOCK_EXAMPLE
from app.api.openapi import (
    RESTAURANT_ERRORS,
    TOAST_ERRORS,
    ErrorBody,
    errors,
    json_answer,
    ref,
)
from app.serve.params import (
    ASCII,
    BOARD_OPTIONS,
    DRIFT,
    FORMAT,
    IMAGE_VERSION,
    LOGO_SOURCE,
    MENU_FILTERS,
    REFRESH,
    SIZE,
    Param,
)

F = TypeVar("F", bound=Callable[..., Any])

fast_lane = APIRouter(tags=["screens"], default_response_class=Response)

CACHE_HEADERS = {
    "ETag": {"description": "Validator of this exact answer; send it back as If-None-Match.",
             "schema": {"type": "string"}},
    "Cache-Control": {"description": "`private, max-age=…` (half the refresh interval, at "
                                     "most 30 s).", "schema": {"type": "string"}},
    "Last-Modified": {"description": "When this answer's bytes last changed.",
                      "schema": {"type": "string"}},
    "X-Cache": {"description": "HIT, MISS (first load) or STALE (Toast failing; last good "
                               "copy).", "schema": {"type": "string",
                                                    "enum": ["HIT", "MISS", "STALE"]}},
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {
    "description": "The If-None-Match ETag still matches; no body.", "headers": CACHE_HEADERS}}


def html_answer(description: str = "A ready-to-display HTML page") -> dict[str, Any]:
    """The 200 entry of a route answering HTML (for ``screen_route``)."""
    return {"description": description, "headers": CACHE_HEADERS,
            "content": {"text/html": {"schema": {"type": "string"}}}}


def screen_route(path: str, summary: str, ok: dict[str, Any],
                 *, cached: bool = True) -> Callable[[F], F]:
    """Document fast-lane GET ``path``: its 200 (``ok``), 304 when ``cached``, and the key,
    restaurant and Toast errors every screen route shares."""
    responses: dict[int | str, dict[str, Any]] = {
        200: {"headers": CACHE_HEADERS, **ok} if cached else ok,
        **(NOT_MODIFIED if cached else {}), **RESTAURANT_ERRORS, **errors(414), **TOAST_ERRORS}
    return fast_lane.get(path, summary=summary, responses=responses)


def _annotation(p: Param) -> Any:
    """``Annotated[type, Query(...)]`` of a table entry, as a hand-written stub would say it."""
    kind: Any = (cast(Any, Literal)[p.choices] if p.choices
                 else list[str] if p.kind is list else p.kind)
    if p.default is None and not p.required:
        kind = kind | None
    query = Query(description=p.doc, ge=p.low, le=p.high, pattern=p.pattern,
                  max_length=p.max_length, examples=None if p.example is None else [p.example])
    return cast(Any, Annotated)[kind, query]


def takes(*params: Param) -> Callable[[F], F]:
    """Add ``params`` to a stub's signature, after its own parameters (FastAPI reads the
    signature: this is what a stub would otherwise write out by hand)."""

    def add(stub: F) -> F:
        own = inspect.signature(stub, eval_str=True)
        extra = [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                                   default=inspect.Parameter.empty if p.required else p.default,
                                   annotation=_annotation(p)) for p in params]
        setattr(stub, "__signature__",  # noqa: B010  # mypy: functions have no such attribute
                own.replace(parameters=[*own.parameters.values(), *extra]))
        return stub

    return add


@takes(*MENU_FILTERS)
def menu_filters() -> None:
    """The /menu filters (also taken by /board); documentation only."""


MenuFilters = Annotated[None, Depends(menu_filters)]
IfNoneMatch = Annotated[str | None, Header(
    description="An ETag from an earlier answer: 304 without a body while it still matches.")]


@screen_route("/menu/{restaurant}", "The flattened menu (JSON, CSV, rows, XML or RSS)", {
    "description": "One row per item occurrence in Toast's display order, in the shape "
                   "`format=` names.",
    "content": {
        "application/json": {"schema": ref("MenuAnswer"), "example": MENU_EXAMPLE},
        "text/csv": {"schema": {"type": "string"}, "example": MENU_CSV_EXAMPLE},
        "application/xml": {"schema": {"type": "string"}},
        "application/rss+xml": {"schema": {"type": "string"}},
    }})
@takes(FORMAT, ASCII)
def menu(guid: ScreenRestaurant, filters: MenuFilters, if_none_match: IfNoneMatch = None) -> None:
    """The menu as display-ready rows: prices in effect now, sizes, tags, stock.

    Served from the relay's cache (every shape rendered once per change, each with its
    own ETag); `stale: true` and `X-Cache: STALE` while Toast fails and the last good
    copy is served."""


@screen_route("/menu/{restaurant}/groups", "Nested menus → groups → items",
              json_answer(ref("GroupsAnswer"), GROUPS_EXAMPLE))
def groups(guid: ScreenRestaurant, if_none_match: IfNoneMatch = None) -> None:
    """The same rows nested as Toast has them, for templates that lay out sections."""


@screen_route("/stock/{restaurant}", "Out-of-stock and limited items",
              json_answer(ref("StockAnswer"), STOCK_EXAMPLE))
def stock(guid: ScreenRestaurant, if_none_match: IfNoneMatch = None) -> None:
    """Items Toast's stock API marks OUT_OF_STOCK or QUANTITY, with their names."""


@screen_route("/board/{restaurant}", "A ready-to-display HTML menu board", html_answer(
    "The board page; with `part=content` only the `<div id=\"content\">` its script swaps in."))
@takes(*BOARD_OPTIONS)
def board(guid: ScreenRestaurant, filters: MenuFilters, if_none_match: IfNoneMatch = None) -> None:
    """The menu as a full-screen HTML board for players that can only show a URL.

    Text fits the screen (16:9 or 9:16, 720p to 4K) without scrolling; pages rotate when
    it cannot fit at a readable size; updates arrive in place without a reload. See
    docs/board.md for the DOM contract and the options."""


@screen_route("/image/{restaurant}/{item}", "An item's image, through the relay", {
    "description": "The image Toast's menu names for the item, fetched once, resized to "
                   "the size class and kept; `Cache-Control: private, max-age=31536000, "
                   "immutable` (the board adds `v=`, a hash of Toast's URL).",
    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}}}})
@takes(SIZE, IMAGE_VERSION)
def image(guid: ScreenRestaurant, item: str, if_none_match: IfNoneMatch = None) -> None:
    """404 when the item has no image or its image cannot be fetched (the board then
    leaves the image out)."""


@screen_route("/board/{restaurant}/logo", "The board's logo, through the relay", {
    "description": "The `logo=` image, fetched once through the relay's image fetcher "
                   "(public addresses only, raster types, bounded size), resized and kept.",
    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}}}})
@takes(LOGO_SOURCE, SIZE)
def logo(guid: ScreenRestaurant, if_none_match: IfNoneMatch = None) -> None:
    """404 when the image cannot be fetched (the board then leaves the logo out)."""


@fast_lane.get("/board/sw.js", summary="The board's service worker", responses={200: {
    "description": "A script; no key needed (it holds no data).",
    "content": {"text/javascript": {"schema": {"type": "string"}}}}})
def service_worker() -> None:
    """Registered by boards opened over https or localhost: a board page comes up from
    the browser's cache while the relay cannot be reached."""


EVENTS_EXAMPLE = (
    'retry: 3000\n\nevent: update\ndata: {"restaurant": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c",'
    ' "etag": "\\"523fb7938d3a1b82d2eae9f34ba4c6f0\\""}\n\n: ping\n\n')


SSE_EVENT = {
    "type": "object", "description": "One server-sent event (comments such as `: ping` are "
                                     "not events).",
    "properties": {
        "event": {"type": "string", "enum": ["update"]},
        "data": {"type": "string", "description": 'JSON: {"restaurant": "<GUID>", "etag": '
                                                  '"<ETag of the unfiltered JSON menu>"}'},
        "retry": {"type": "integer", "description": "Milliseconds before reconnecting."},
    }}


@screen_route("/events/{restaurant}", "Server-sent events: each new version", {
    "description": "A `text/event-stream` that stays open: it starts with the current "
                   "version, then one `update` event per new version, and a `: ping` "
                   "comment every RELAY_EVENTS_HEARTBEAT seconds (15).",
    "content": {"text/event-stream": {"schema": SSE_EVENT, "example": EVENTS_EXAMPLE}}},
    cached=False)
def events(guid: ScreenRestaurant) -> None:
    """Announces each new version of the restaurant's answers (new menu, stock change,
    time-specific price, stale flag) with the ETag of its unfiltered JSON menu: re-fetch
    with If-None-Match on each `update`. 503 when the process already holds
    RELAY_EVENTS_MAX_CONNECTIONS streams (then poll instead)."""


ScreenPath = Annotated[str, Path(description="A stored screen's name (GET /admin/screens)",
                                 examples=["drinks"])]
ChainRestaurant = Annotated[str | None, Query(
    description="For a chain-wide screen (no `restaurant` in its definition): the location "
                "whose menu and prices it shows, a GUID or alias. Required there; leave it "
                "out otherwise.", examples=["harbor"])]
DisplayPart = Annotated[str | None, Query(
    description="`1`..`parts`: one display of a screen split across several (every item is "
                "on exactly one part); left out: the whole selection. 422 outside 1..parts. "
                "On the board `content` also asks for the swappable fragment only.",
    examples=["1"])]
SCREEN_ERRORS = {**errors(422), 404: {"model": ErrorBody, "description": (
    "No screen of that name, or (chain-wide) an unknown restaurant alias.")}}


def stored_screen_route(path: str, summary: str, ok: dict[str, Any]) -> Callable[[F], F]:
    """Document a fast-lane route of a stored screen (its errors besides the usual ones)."""
    responses: dict[int | str, dict[str, Any]] = {
        200: {"headers": CACHE_HEADERS, **ok}, **NOT_MODIFIED, **RESTAURANT_ERRORS,
        **SCREEN_ERRORS, **errors(414), **TOAST_ERRORS}
    return fast_lane.get(path, summary=summary, responses=responses)


@stored_screen_route("/s/{screen}", "A stored screen's board", html_answer(
    "The board of the screen's selection (one part of it with `part=k`)."))
@takes(REFRESH.but(doc="Seconds between checks for a new version (edits are pushed via "
                        "/events)."), DRIFT.but(doc="Burn-in protection."))
def screen_board(
    _: ScreenKey, screen: ScreenPath, restaurant: ChainRestaurant = None,
    part: DisplayPart = None, if_none_match: IfNoneMatch = None,
) -> None:
    """The screen as a board: its items, names, descriptions and badges, its layout,
    footer and calorie statement (those win over the same options in the URL). The
    board follows the restaurant's `/events` stream, so an edit of the definition shows
    within two seconds without a reload. The key must be able to read the screen's
    restaurant (403 otherwise)."""


@stored_screen_route("/s/{screen}/menu", "A stored screen's rows", {
    "description": "The `/menu` answer of the screen's selection, in its order, with "
                   "renamed `name`, replaced `description` and a `badges` list per row "
                   "(JSON and rows; CSV and XML keep /menu's columns).",
    "content": {"application/json": {"schema": ref("MenuAnswer")},
                "text/csv": {"schema": {"type": "string"}}}})
@takes(FORMAT.but(doc="As on /menu."), ASCII.but(doc="As on /menu."))
def screen_menu(
    _: ScreenKey, screen: ScreenPath, restaurant: ChainRestaurant = None,
    part: DisplayPart = None, if_none_match: IfNoneMatch = None,
) -> None:
    """The screen's rows in any of /menu's formats, rendered once per menu or definition
    change, each with its own ETag."""


@stored_screen_route("/s/{screen}/logo", "A stored screen's logo", {
    "description": "The definition's `layout.logo`, fetched through the relay's image "
                   "fetcher.",
    "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}})
@takes(SIZE.but(doc=None))
def screen_logo(_: ScreenKey, screen: ScreenPath, restaurant: ChainRestaurant = None) -> None:
    """404 when the screen has no logo or it cannot be fetched."""
