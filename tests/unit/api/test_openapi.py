"""/openapi.json and /docs: every public route described, docs served without internet."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest

from app.api.app import FAST_LANE_DOCS, ROUTERS, fast_prefixes, fast_routes
from app.api.cors import Cors
from app.api.examples import GROUPS_EXAMPLE, MENU_EXAMPLE, RESTAURANTS_EXAMPLE, STOCK_EXAMPLE
from app.api.screen_admin import IF_MATCH_PATTERN
from app.errors import InvalidScreen
from app.relay import Relay
from app.screens.model import NAME_PATTERN, parse_screen
from tests.support.in_process_relay import GUID, KEY

PUBLIC = {"/menu/{restaurant}", "/menu/{restaurant}/groups", "/stock/{restaurant}",
          "/restaurants", "/healthz", "/readyz", "/metrics", "/admin/status",
          "/admin/status/{restaurant}", "/admin/refresh/{restaurant}"}


async def spec(relay: httpx.AsyncClient) -> dict[str, Any]:
    r = await relay.get("/openapi.json")
    assert r.status_code == 200
    doc: dict[str, Any] = r.json()
    return doc


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the document's components, for jsonschema."""
    return {**schema, "components": doc["components"]}


async def test_every_public_route_is_described(relay: httpx.AsyncClient) -> None:
    """The description lists each public route, the fast-lane screen routes included."""
    doc = await spec(relay)
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= PUBLIC
    assert "/docs" not in doc["paths"] and "/openapi.json" not in doc["paths"]


def test_each_fast_lane_route_has_one_stub_and_no_stub_is_unrouted() -> None:
    """Every fast-lane route has exactly one documentation stub, and every stub's path is
    owned by the fast lane (so the stub can never answer a request)."""
    fast = {(r.path, m) for r in fast_routes(_relay_stub(), ANY) for m in (r.methods or ())
            if m not in ("HEAD", "OPTIONS")}
    documented = [(getattr(r, "path", ""), m) for docs in FAST_LANE_DOCS for r in docs.routes
                  for m in getattr(r, "methods", ())]
    assert fast == set(documented) and len(documented) == len(fast)
    prefixes = fast_prefixes(fast_routes(_relay_stub(), ANY))
    ordinary = {getattr(r, "path", "") for router in ROUTERS if router not in FAST_LANE_DOCS
                for r in router.routes}
    assert not any(p.startswith(prefixes) for p in ordinary)


ANY = Cors(("*",))


def _relay_stub() -> Relay:
    class Settings:
        relay_refresh_interval = 60.0
        relay_events_heartbeat = 15.0

    class Stub:
        keys = menus = clock = changes = images = screens = None
        settings = Settings()

    return Stub()  # type: ignore[return-value]  # routes() only reads these attributes


async def test_keys_documented_in_header_and_query(relay: httpx.AsyncClient) -> None:
    """Screen and admin routes name the key both as X-API-Key and as ?key=, and 401;
    /metrics also takes its key as a bearer token."""
    doc = await spec(relay)
    schemes = doc["components"]["securitySchemes"]
    assert {(s.get("in"), s.get("name"), s.get("scheme")) for s in schemes.values()} == {
        ("header", "X-API-Key", None), ("query", "key", None), (None, None, "bearer")}
    for path in PUBLIC - {"/healthz", "/readyz", "/metrics"}:
        for op in doc["paths"][path].values():
            assert len(op["security"]) == 2, path
            assert "401" in op["responses"], path
    metrics = doc["paths"]["/metrics"]["get"]
    assert len(metrics["security"]) == 4 and {} in metrics["security"]  # the key is optional
    assert "401" in metrics["responses"]


async def test_error_bodies_and_no_422(relay: httpx.AsyncClient) -> None:
    """Every documented error answer is the JSON error body (the pass-through's may also be
    Toast's own); FastAPI's 422 never appears (only the relay's own, for screens)."""
    doc = await spec(relay)
    for path, item in doc["paths"].items():
        for op in item.values():
            assert "422" not in op["responses"] or path.startswith(
                ("/s/", "/admin/screens", "/admin/reload")), path
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = answer["content"]["application/json"]["schema"]
                    ours = {"$ref": "#/components/schemas/ErrorBody"}
                    assert schema == ours or (path.startswith("/toast/")
                                              and ours in schema["anyOf"]), (path, status)
    assert "HTTPValidationError" not in doc["components"]["schemas"]


@pytest.mark.parametrize(("path", "component", "example"), [
    ("/menu/{restaurant}", "MenuAnswer", MENU_EXAMPLE),
    ("/menu/{restaurant}/groups", "GroupsAnswer", GROUPS_EXAMPLE),
    ("/stock/{restaurant}", "StockAnswer", STOCK_EXAMPLE),
    ("/restaurants", "Restaurants", RESTAURANTS_EXAMPLE),
])
async def test_examples_fit_their_schemas(relay: httpx.AsyncClient, path: str, component: str,
                                          example: dict[str, Any]) -> None:
    """The sample restaurant's examples shown in /docs are valid answers of their schema."""
    doc = await spec(relay)
    content = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert content["example"] == example
    schema = resolve(doc, {"$ref": f"#/components/schemas/{component}"})
    jsonschema.validate(example, schema)


@pytest.mark.parametrize(("url", "component"), [
    (f"/menu/{GUID}", "MenuAnswer"), ("/menu/harbor/groups", "GroupsAnswer"),
    ("/stock/harbor", "StockAnswer"), ("/restaurants", "Restaurants")])
async def test_real_answers_fit_the_schema(relay: httpx.AsyncClient, url: str,
                                           component: str) -> None:
    """What the sample restaurant's screen routes really answer validates against the schema."""
    doc = await spec(relay)
    r = await relay.get(url, params={"key": KEY})
    assert r.status_code == 200, r.text
    jsonschema.validate(r.json(), resolve(doc, {"$ref": f"#/components/schemas/{component}"}))


async def test_docs_page_needs_nothing_from_outside(relay: httpx.AsyncClient) -> None:
    """/docs loads Swagger UI from the relay itself: every URL in it is local and answers."""
    r = await relay.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "//" not in re.sub(r"<!--.*?-->", "", r.text).replace("://relay", "")
    urls = re.findall(r'(?:src|href)="([^"]+)"', r.text) + re.findall(r"url: '([^']+)'", r.text)
    assert len(urls) >= 4
    for url in urls:
        asset = await relay.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    assert (await relay.get("/docs/../../etc/passwd")).status_code == 404
    assert (await relay.get("/docs/index.html")).status_code == 404


SCREEN_GUID = "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"


@pytest.mark.parametrize("definition", [
    {}, {"restaurant": "harbor", "parts": 12, "items": [SCREEN_GUID.upper()]},
    {"rename": {SCREEN_GUID: "x"}, "badges": {SCREEN_GUID: ["New"] * 8}},
    {"layout": {"accent": "#F60", "logo": "HTTPS://x.example:8443/l.png?v=1", "columns": 0}},
    {"parts": 7.0, "describe": {SCREEN_GUID: ""}, "footer": "", "title": "t" * 200},
    {"rename": {"": "x"}}, {"describe": {"nope": "x"}}, {"badges": {SCREEN_GUID: [""]}},
    {"hide": [""]}, {"parts": 13}, {"parts": "2"}, {"parts": True}, {"title": ""},
    # (not "red\n": jsonschema matches with Python's re, whose `$` also matches before a
    # final newline, unlike OpenAPI's ECMA 262 one; test_screen_model refuses it)
    {"layout": {"logo": "https://u@x.example/"}},
    {"layout": {"logo": "ftp://x.example/l.png"}}, {"layout": {"images": "yes"}},
    {"restaurant": "a b"}, {"restaurant": "deadbeef-0000"}, {"menus": ["x"] * 501},
    {"badges": {SCREEN_GUID: ["n"] * 9}}, {"colour": "red"}, {"layout": None},
])
async def test_the_documented_screen_schema_is_what_the_model_takes(
        relay: httpx.AsyncClient, definition: dict[str, Any]) -> None:
    """A definition fits the documented PUT body schema exactly when the relay takes it."""
    doc = await spec(relay)
    schema = resolve(doc, {"$ref": "#/components/schemas/Screen"})
    fits = jsonschema.Draft202012Validator(schema).is_valid(definition)
    try:
        parse_screen(definition)
        taken = True
    except InvalidScreen:
        taken = False
    assert fits == taken, definition


async def test_screen_writes_document_if_match_and_every_status(
        relay: httpx.AsyncClient) -> None:
    """If-Match is a documented string pattern (never null); each status a route answers is
    documented with the JSON error body."""
    paths = (await spec(relay))["paths"]["/admin/screens/{screen}"]
    for method, statuses in (("get", {"200", "401", "403", "404", "422"}),
                             ("put", {"200", "400", "401", "403", "412", "413", "422", "503"}),
                             ("delete", {"204", "400", "401", "403", "404", "412", "422",
                                         "503"})):
        assert set(paths[method]["responses"]) == statuses, method
        params = {p["name"]: p["schema"] for p in paths[method]["parameters"]}
        assert params["screen"]["pattern"] == NAME_PATTERN
        if method != "get":
            assert params["if-match"]["anyOf"] == [
                {"type": "string", "pattern": IF_MATCH_PATTERN}], method
