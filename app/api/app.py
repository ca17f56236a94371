"""The relay's ASGI application.

Operator routes (/healthz, /readyz, /metrics, /admin) live in a FastAPI app,
which also owns the lifespan. The routes screens poll take a fast lane around
it: FastAPI wraps every request in several middleware layers that these
endpoints do not use, and on a cached answer they cost more than the answer.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import admin, events, health, screens, webhooks
from app.api.access import AccessLog
from app.api.errors import (
    error_response,
    relay_error_handler,
    unexpected_error_handler,
    unexpected_error_response,
)
from app.clock import Clock
from app.config import Settings
from app.errors import RelayError
from app.logs import AccessLogWriter
from app.metrics import Metrics
from app.relay import Relay
from app.toast.client import make_http_client

FAST_PREFIXES = ("/menu/", "/stock/", "/restaurants", "/events/")


class FastLane:
    """Sends screen routes to a bare router and everything else to FastAPI."""

    def __init__(self, fast: Router, app: FastAPI) -> None:
        self.fast = fast
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        if not path.startswith(FAST_PREFIXES):
            await self.app(scope, receive, send)
            return
        try:
            await self.fast(scope, receive, send)
        except RelayError as exc:
            await error_response(exc.status_code, exc.error, exc.detail)(scope, receive, send)
        except Exception as exc:
            await unexpected_error_response(exc, path)(scope, receive, send)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(404, "not_found", "no such route; see README.md for the "
                         "HTTP interface")(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, "not_found" if exc.status_code == 404
                          else "http_error", str(exc.detail))


def create_app(
    settings: Settings, *, clock: Clock | None = None, http: httpx.AsyncClient | None = None
) -> ASGIApp:
    """Build the app. The FastAPI lifespan builds the relay (and with it the one httpx
    client to Toast, unless one is passed in), starts its background work, and stops
    and closes everything on shutdown."""
    metrics = Metrics()
    writer = AccessLogWriter(settings.relay_log_format) if settings.relay_access_log else None
    fast = Router(routes=[], default=_not_found)
    templates: dict[object, str] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = http or make_http_client(settings.toast_timeout)
        relay = Relay.build(settings, clock=clock, http=client, metrics=metrics)
        app.state.relay = relay
        fast.routes[:] = [*screens.routes(relay), *events.routes(relay)]
        app.router.routes[:] = [*health.routes(relay), *admin.routes(relay),
                                *webhooks.routes(relay)]
        templates.update({r.endpoint: r.path for r in [*fast.routes, *app.router.routes]
                          if isinstance(r, Route)})
        await relay.start()
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

    ops = FastAPI(title="toast-relay", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    ops.add_exception_handler(RelayError, relay_error_handler)
    ops.add_exception_handler(HTTPException, _http_error)
    ops.add_exception_handler(Exception, unexpected_error_handler)
    return AccessLog(FastLane(fast, ops), metrics, writer, templates)


def relay_of(app: ASGIApp) -> Relay:
    """The ``Relay`` behind an app made by ``create_app``, while its lifespan runs."""
    assert isinstance(app, AccessLog) and isinstance(app.app, FastLane)
    relay: Relay = app.app.app.state.relay
    return relay


def lifespan_of(app: ASGIApp) -> FastAPI:
    """The FastAPI app that owns the lifespan (``async with lifespan_of(app).router...``)."""
    assert isinstance(app, AccessLog) and isinstance(app.app, FastLane)
    return app.app.app


class RelayServer(uvicorn.Server):
    """uvicorn's server, except that open ``/events`` streams end as soon as shutdown starts.

    Without this, a graceful shutdown waits for every connected board to hang up.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.app
        if isinstance(app, AccessLog) and isinstance(app.app, FastLane):
            relay = getattr(app.app.app.state, "relay", None)
            if isinstance(relay, Relay):
                relay.changes.close_all()
        await super().shutdown(sockets)
