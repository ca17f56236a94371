"""Diagnostic relay variants (``--diagnose``): what the shipped stack costs per request.

``python -m bench.variants quiet|starlette --port P`` (settings from the environment):

- ``quiet``: the shipped ``create_app`` with ``RELAY_ACCESS_LOG=false``;
- ``starlette``: the same screen routes on a bare Starlette app (no FastAPI
  middleware, no access log), with only the ``scope["relay"]`` dict routes expect.

Both run under uvicorn exactly as ``toast-relay serve`` does. Nothing here is
used by the relay; it only measures how far each layer is from the floor.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

VARIANTS = ("quiet", "starlette")


class RelayScope:
    """Sets the ``scope["relay"]`` dict the screen routes write into (AccessLog does it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["relay"] = {}
        await self.app(scope, receive, send)


def starlette_app() -> Starlette:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from app.api import feeds
    from app.api.cors import Cors
    from app.api.errors import relay_error_handler
    from app.config import load_settings
    from app.errors import RelayError
    from app.relay import Relay

    settings = load_settings()
    relay = Relay.build(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await relay.start()
        try:
            yield
        finally:
            await relay.stop()

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    cors = Cors(settings.relay_cors_origins)
    app = Starlette(routes=[Route("/healthz", healthz), *feeds.routes(relay, cors)],
                    lifespan=lifespan,
                    exception_handlers={RelayError: relay_error_handler})
    app.add_middleware(RelayScope)
    return app


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.variants")
    p.add_argument("variant", choices=VARIANTS)
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    from app.api.app import create_app
    from app.config import load_settings
    from app.logs import configure_logging

    configure_logging("json")
    app: ASGIApp
    if a.variant == "quiet":
        app = create_app(load_settings(relay_access_log=False))
    else:
        app = starlette_app()
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    uvicorn.run(app, host="127.0.0.1", port=a.port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1", server_header=False)


if __name__ == "__main__":
    main()
