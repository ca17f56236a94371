"""The relay's ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.routing import Route

from app.api import admin, health, screens
from app.api.access import AccessLog
from app.api.errors import relay_error_handler, unexpected_error_handler
from app.clock import Clock
from app.config import Settings
from app.errors import RelayError
from app.relay import Relay


def create_app(
    settings: Settings, *, clock: Clock | None = None, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """Build the app; the lifespan starts and stops the relay's background work."""
    relay = Relay.build(settings, clock=clock, http=http)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await relay.start()
        try:
            yield
        finally:
            await relay.stop()

    app = FastAPI(
        title="toast-relay",
        summary="Cached, display-ready Toast menus for signage players",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.relay = relay
    app.router.routes.extend(
        [*health.routes(relay), *screens.routes(relay), *admin.routes(relay)])
    app.add_exception_handler(RelayError, relay_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    templates: dict[object, str] = {
        r.endpoint: r.path for r in app.router.routes if isinstance(r, Route)}
    app.add_middleware(AccessLog, metrics=relay.metrics, templates=templates)
    return app
