"""CORS for players' HTML widgets: screen routes answer it (simple GETs and preflights),
from RELAY_CORS_ORIGINS, never with credentials; admin routes never do."""

from __future__ import annotations

import httpx
import pytest

from tests.support.in_process_relay import ADMIN, KEY, Open

WIDGET = "https://apps.signage.example"
OTHER = "https://elsewhere.example"
SCREEN_GETS = ["/menu/harbor", "/menu/harbor/groups", "/stock/harbor", "/board/harbor",
               "/menu/harbor?format=csv"]


@pytest.mark.parametrize("path", SCREEN_GETS)
async def test_any_origin_may_read_screen_routes_by_default(relay: httpx.AsyncClient,
                                                            path: str) -> None:
    """By default a widget on any origin reads screen answers (ACAO *, ETag exposed), and
    never with credentials."""
    r = await relay.get(path, params={"key": KEY}, headers={"Origin": WIDGET})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in r.headers


async def test_preflight_allows_the_key_header(relay: httpx.AsyncClient) -> None:
    """A preflight for a GET with X-API-Key is 204 allowing GET and that header, without
    a key (browsers never send one in a preflight) and without credentials."""
    for path in ("/menu/harbor", "/board/harbor", "/events/harbor", "/image/harbor/x"):
        r = await relay.options(path, headers={
            "Origin": WIDGET, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key, if-none-match"})
        assert r.status_code == 204, path
        assert r.headers["access-control-allow-origin"] == "*"
        assert "GET" in r.headers["access-control-allow-methods"]
        allowed = r.headers["access-control-allow-headers"].lower()
        assert "x-api-key" in allowed and "if-none-match" in allowed
        assert "access-control-allow-credentials" not in r.headers


async def test_errors_and_streams_on_screen_routes_carry_cors(relay: httpx.AsyncClient) -> None:
    """A widget can read a screen route's 401/404 JSON and open /events from another origin."""
    for path, key, status in (("/menu/harbor", None, 401), ("/menu/decaf-cafe", KEY, 404)):
        r = await relay.get(path, params={"key": key} if key else None,
                            headers={"Origin": WIDGET})
        assert r.status_code == status
        assert r.headers["access-control-allow-origin"] == "*"
    events = await relay.head("/events/harbor", params={"key": KEY}, headers={"Origin": WIDGET})
    assert events.status_code == 200 and events.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/admin/status"), ("POST", "/admin/refresh/harbor"), ("OPTIONS", "/admin/status"),
    ("OPTIONS", "/admin/refresh/harbor"), ("GET", "/metrics"), ("GET", "/docs"),
])
async def test_admin_routes_never_answer_cors(relay: httpx.AsyncClient, method: str,
                                              path: str) -> None:
    """Admin (and operator) routes never say Access-Control-Allow-*, preflight or not."""
    r = await relay.request(method, path, params={"key": ADMIN}, headers={
        "Origin": WIDGET, "Access-Control-Request-Method": "POST"})
    assert not [h for h in r.headers if h.startswith("access-control-")], r.headers


async def test_a_list_of_origins_echoes_only_those(open_relay: Open) -> None:
    """With RELAY_CORS_ORIGINS listing origins, only those are echoed back, and every
    answer varies by Origin."""
    async with open_relay(RELAY_CORS_ORIGINS=f"{WIDGET}, http://10.0.0.5:8000") as stack:
        client = stack.client
        ok = await client.get("/menu/harbor", params={"key": KEY}, headers={"Origin": WIDGET})
        assert ok.headers["access-control-allow-origin"] == WIDGET
        assert "origin" in ok.headers["vary"].lower()
        refused = await client.get("/menu/harbor", params={"key": KEY},
                                   headers={"Origin": OTHER})
        assert refused.status_code == 200  # the browser, not the relay, withholds it
        assert "access-control-allow-origin" not in refused.headers
        assert "origin" in refused.headers["vary"].lower()
        pre = await client.options("/menu/harbor", headers={
            "Origin": OTHER, "Access-Control-Request-Method": "GET"})
        assert pre.status_code == 204 and "access-control-allow-origin" not in pre.headers
        pre = await client.options("/menu/harbor", headers={
            "Origin": "http://10.0.0.5:8000", "Access-Control-Request-Method": "GET"})
        assert pre.headers["access-control-allow-origin"] == "http://10.0.0.5:8000"


async def test_empty_setting_turns_cors_off(open_relay: Open) -> None:
    """RELAY_CORS_ORIGINS= (empty) answers no CORS at all."""
    async with open_relay(RELAY_CORS_ORIGINS="") as stack:
        r = await stack.client.get("/menu/harbor", params={"key": KEY},
                                   headers={"Origin": WIDGET})
        pre = await stack.client.options("/menu/harbor", headers={
            "Origin": WIDGET, "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in r.headers
        assert pre.status_code == 204 and "access-control-allow-origin" not in pre.headers
