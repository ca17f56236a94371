"""The relay's ASGI application.

Ordinary routes (health, readiness, metrics, admin, /restaurants, the API docs)
are FastAPI routes using the dependencies in ``app.api.deps``; FastAPI also owns the
lifespan. The routes screens poll take a fast lane around it: FastAPI wraps every
request in several layers that these endpoints do not use, and on a cached answer
they cost more than the answer. ``POST /admin/refresh`` takes it too, because it
stays open while Toast's budget lets the fetch through (``app.api.admin``). The
fast lane is documented by the stubs in ``FAST_LANE_DOCS``.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import (
    admin,
    changes,
    console,
    console_screens,
    feed_docs,
    feeds,
    health,
    landing,
    openapi,
    passthrough,
    push,
    reload,
    restaurants,
    screen_admin,
    screen_pages,
    webhooks,
)
from app.api.access_log import AccessLog
from app.api.concurrency import ConcurrencyLimit
from app.api.cors import Cors
from app.api.errors import (
    error_response,
    http_error_handler,
    http_error_response,
    not_found_detail,
    relay_error_handler,
    unexpected_error_handler,
    unexpected_error_response,
    validation_error_handler,
)
from app.api.headers import SecurityHeaders
from app.clock import Clock, SystemClock
from app.config import Settings
from app.errors import RelayError
from app.logs import AccessLogWriter
from app.menu.money import load_locales
from app.metrics import Metrics
from app.relay import Relay
from app.reload import Reloader

FAST_LANE_DOCS: tuple[APIRouter, ...] = (feed_docs.fast_lane, admin.fast_lane_docs)
"""Stubs documenting the fast-lane routes; requests never reach them."""
ROUTERS: tuple[APIRouter, ...] = (
    feed_docs.fast_lane, restaurants.router, passthrough.router, health.router, admin.router,
    admin.fast_lane_docs, reload.router, screen_admin.router, changes.router, webhooks.router,
    openapi.router, landing.router, console.router, console_screens.router)
"""The FastAPI routes and stubs, in the order /docs lists them."""


HOT_PATHS = ("/menu/{restaurant}", "/s/{screen}/menu")
"""What players poll most, matched first: Starlette tries routes in order, and each
route tried before the right one costs a regular-expression match."""


def fast_routes(relay: Relay, cors: Cors) -> list[Route]:
    """The raw fast-lane routes: what screens poll, the /events streams (both with CORS),
    admin refreshes (never); the hot paths first."""
    routes = [*feeds.routes(relay, cors), *screen_pages.routes(relay, cors),
              *push.routes(relay, cors), *admin.routes(relay)]
    rank = {path: n for n, path in enumerate(HOT_PATHS)}
    return sorted(routes, key=lambda r: rank.get(r.path, len(rank)))  # stable: rest in order


def fast_prefixes(routes: Iterable[BaseRoute]) -> tuple[str, ...]:
    """The path prefixes the fast lane owns: each route's path up to its first parameter."""
    return tuple(sorted({r.path.split("{", 1)[0] for r in routes if isinstance(r, Route)}))


class FastLane:
    """Sends screen routes to a bare router and everything else to FastAPI."""

    def __init__(self, fast: Router, app: FastAPI, cors: Cors) -> None:
        self.fast = fast
        self.app = app
        self.cors = cors
        self.prefixes: tuple[str, ...] = ()
        self.cors_prefixes: tuple[str, ...] = ()
        """The prefixes of routes answering CORS: their error answers say it too."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        if not path.startswith(self.prefixes):
            if scope["method"] == "HEAD":
                await head_as_get(self.app, scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        # With "app" in the scope, Starlette raises its 404/405 instead of answering
        # plain text, so they get the JSON error body (and Allow) below.
        scope["app"] = self.app
        try:
            await self.fast(scope, receive, send)
        except RelayError as exc:
            await error_response(exc.status_code, exc.error, exc.detail,
                                 {**exc.headers(), **self._cors(scope, path)})(
                scope, receive, send)
        except HTTPException as exc:
            await http_error_response(exc, path, self._cors(scope, path))(scope, receive, send)
        except Exception as exc:
            await unexpected_error_response(exc, path)(scope, receive, send)

    def _cors(self, scope: Scope, path: str) -> dict[str, str]:
        """The CORS headers of an error answer on a screen route (a widget reads the 401)."""
        if not path.startswith(self.cors_prefixes):
            return {}
        return {name.decode(): value.decode("latin-1")
                for name, value in self.cors.headers(scope)}


async def head_as_get(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer HEAD as the GET would, without its body (Xibo sends HEAD before GET).

    The app sees a copy of the scope saying GET; the server keeps its own, which still
    says HEAD, so it frames the empty body correctly.
    """
    inner = {**scope, "method": "GET"}

    async def headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {"type": "http.response.body", "body": b"",
                       "more_body": message.get("more_body", False)}
        await send(message)

    try:
        await app(inner, receive, headers_only)
    finally:
        if "endpoint" in inner:  # for the access log's route template
            scope["endpoint"] = inner["endpoint"]


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(404, "not_found", not_found_detail(scope["path"]))(
        scope, receive, send)


def create_app(
    settings: Settings, *, clock: Clock | None = None, http: httpx.AsyncClient | None = None,
    demo_keys: Mapping[str, str] | None = None, accounts: dict[str, Settings] | None = None,
) -> ASGIApp:
    """Build the app. The FastAPI lifespan builds the relay (and with it each account's
    httpx client to Toast, unless one shared client is passed in), starts its background
    work, and stops and closes everything on shutdown. ``demo_keys`` (``toast-relay demo``
    only: account → screen key) lets the landing page link each demo account's restaurants
    with its key. ``accounts``:
    each account's settings, when already read (else the relay reads RELAY_ACCOUNTS_FILE)."""
    metrics = Metrics()
    writer = AccessLogWriter(settings.relay_log_format) if settings.relay_access_log else None
    # No trailing-slash redirects on either lane: Starlette builds the Location from the
    # request's Host header and keeps the query string, ?key= included (docs/security.md).
    fast = Router(routes=[], default=_not_found, redirect_slashes=False)
    cors = Cors(settings.relay_cors_origins)
    templates: dict[object, str] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        relay = Relay.build(settings, clock=clock, http=http, metrics=metrics,
                            accounts=accounts)
        app.state.relay = relay
        fast.routes[:] = fast_routes(relay, cors)
        lane.prefixes = fast_prefixes(fast.routes)
        lane.cors_prefixes = fast_prefixes(r for r in fast.routes if isinstance(r, Route)
                                           and "OPTIONS" in (r.methods or ()))
        templates.update({r.endpoint: r.path for r in [*fast.routes, *ops.all_routes()]
                          if isinstance(r, Route)})
        await relay.start()
        reload.listen_for_sighup(app, Reloader(relay))
        load_locales()
        # Everything imported and built so far lives as long as the process: move it out
        # of the cyclic GC's generations, so collections triggered by request garbage do
        # not rescan the whole framework on every pass.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await relay.stop()  # closes the httpx client too
            if writer is not None:
                writer.flush()

    ops = openapi.RelayAPI(lifespan=lifespan, docs_url=None, redoc_url=None,
                           openapi_url="/openapi.json", redirect_slashes=False)
    for router in ROUTERS:
        ops.include_router(router)
    ops.state.demo_keys = demo_keys
    ops.add_exception_handler(RelayError, relay_error_handler)
    ops.add_exception_handler(HTTPException, http_error_handler)
    ops.add_exception_handler(RequestValidationError, validation_error_handler)
    ops.add_exception_handler(Exception, unexpected_error_handler)
    ops.add_middleware(SecurityHeaders)
    lane = FastLane(fast, ops, cors)
    limit = ConcurrencyLimit(settings.relay_limit_concurrency, clock or SystemClock())
    return AccessLog(lane, metrics, writer, templates, limit)


def _lane(app: ASGIApp) -> FastLane:
    """The ``FastLane`` of an app made by ``create_app`` (under the access log)."""
    assert isinstance(app, AccessLog)
    lane = app.app
    assert isinstance(lane, FastLane)
    return lane


def relay_of(app: ASGIApp) -> Relay:
    """The ``Relay`` behind an app made by ``create_app``, while its lifespan runs."""
    relay: Relay = _lane(app).app.state.relay
    return relay


def lifespan_of(app: ASGIApp) -> FastAPI:
    """The FastAPI app that owns the lifespan (``async with lifespan_of(app).router...``)."""
    return _lane(app).app


class RelayServer(uvicorn.Server):
    """uvicorn's server, except that open ``/events`` streams end as soon as shutdown starts.

    Without this, a graceful shutdown waits for every connected board to hang up; the
    lifespan's shutdown comes only after every connection closed, too late to tell them.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.app
        relay = getattr(lifespan_of(app).state, "relay", None) if isinstance(
            app, AccessLog) else None
        if isinstance(relay, Relay):
            relay.changes.close_all()
        await super().shutdown(sockets)
