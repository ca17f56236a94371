"""The Toast simulator as an ASGI app: ``create_sim_app(SimState(...))``.

Toast endpoints (see ``app.sim.toast_api``):

- ``POST /authentication/v1/authentication/login``: JSON {clientId, clientSecret,
  userAccessType} → AuthenticationResponse; ``expiresIn`` is the seconds remaining.
  Before the token's last minute the same token comes back.
- ``POST /usermgmt/v1/oauth/token``: legacy form-encoded client_credentials login.
- ``GET /menus/v2/metadata``, ``GET /menus/v2/menus`` (1 per second per restaurant),
  ``GET /stock/v1/inventory[?status=]``, ``GET /restaurants/v1/restaurants/{guid}``
  and ``GET /restaurants/v1/groups/{managementGroupGUID}/restaurants`` (the header
  names one restaurant of the group) (all need ``Authorization: Bearer`` and
  ``Toast-Restaurant-External-ID``), and ``GET /partners/v1/restaurants[?lastModified=]``
  (Bearer only; 403 for a client with standard API access, ``STANDARD_CLIENT_ID``).
  Each API client (``app.sim.clients``) reads only its own restaurants (403 otherwise).
- Every Toast endpoint shares a 20 requests/second limit per restaurant (or per
  client IP without the header), and each API client may send 20 requests per
  second and 10,000 per 15 minutes in all; a 429 carries ``Retry-After`` and
  ``X-Toast-RateLimit-By/-Remaining/-Reset``.

Control endpoints (no auth; answers are JSON):

- ``GET /_sim/calls``: counters {calls: {endpoint: n}, total, by_restaurant: {guid:
  {endpoint: n}}, statuses: {endpoint: {"200": n}}, expired_token_calls,
  unauthorized_calls, rate_limited_calls (over_limit_calls: those refused by the
  limits, not injected), tokens_issued, revocations, refused_token_calls (a revoked or
  expired token), refused_token_repeats (a token refused 2 s or more before),
  refused_tokens, by_client: {client id: {calls: {endpoint: n}, total, statuses,
  tokens_issued}}}. Endpoint names:
  login, oauth_token, metadata, menus, stock, restaurants, groups, partners.
- ``POST /_sim/reset``: clear counters, faults and rate-limit windows;
  ``?full=true`` also restores the sample data, forgets tokens, resets the lifetime.
- ``POST /_sim/publish/{guid}``: bump ``lastUpdated``; with {"itemGuid" or
  "itemName", "price"} first set that price on every occurrence of the item;
  with {"delayMenus": S} metadata and ``/menus`` keep the old document for S
  seconds (Toast builds big menus late). Sends ``menus_updated`` when webhooks
  are on.
- ``POST /_sim/stock/{guid}``: body [{guid, status, quantity}] replaces the stock;
  sends a stock webhook for each item whose status or quantity changed.
- ``GET /_sim/webhooks``: where webhooks go (never the secrets) and the recent
  deliveries with each attempt's status; ``POST`` {"url", "secret",
  "stockSecret", "timeScale"} sets them (no url: off).
- ``POST /_sim/fault``: {"endpoint": menus|metadata|stock|restaurants|groups|partners|login|*,
  "mode": 500|503|429|401|slow|broken_json|html|empty_menu|off, "count": N|null,
  "delay": seconds (slow), "retryAfter": seconds (429), "client": id|null (only that
  API client's calls and logins; null: every client)}. ``GET /_sim/faults`` lists them.
- ``POST /_sim/token-lifetime``: {"seconds": N} for tokens issued from now on;
  optional "renewWindow": S, a login gets a new token only in its last S seconds (60).
- ``POST /_sim/revoke``: revoke every token (Toast did); each call with one is a 401.
- ``GET /_sim/images/{name}``: a generated JPEG (404 for names with ``missing``); the
  sample's images point here when the state has an ``image_base`` (``--local-images``).
- ``POST /_sim/large/{guid}``: {"items", "modifierGroups", "seed"} loads a large
  generated menu for that restaurant (an unknown GUID becomes a new restaurant).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from app.sim.control import control_routes
from app.sim.images import image_endpoint
from app.sim.state import SimState
from app.sim.toast_api import ToastApi


def create_sim_app(state: SimState | None = None) -> Starlette:
    sim = state if state is not None else SimState()
    api = ToastApi(sim)
    routes = [
        Route("/authentication/v1/authentication/login", api.login, methods=["POST"]),
        Route("/usermgmt/v1/oauth/token", api.oauth_token, methods=["POST"]),
        Route("/menus/v2/metadata", api.metadata, methods=["GET"]),
        Route("/menus/v2/menus", api.menus, methods=["GET"]),
        Route("/stock/v1/inventory", api.stock, methods=["GET"]),
        Route("/restaurants/v1/restaurants/{guid}", api.restaurant, methods=["GET"]),
        Route("/restaurants/v1/groups/{group}/restaurants", api.group, methods=["GET"]),
        Route("/partners/v1/restaurants", api.partners, methods=["GET"]),
        *control_routes(sim),
        Route("/_sim/images/{name:path}", image_endpoint, methods=["GET"]),
    ]
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await sim.webhooks.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sim = sim
    return app
