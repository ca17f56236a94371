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
from app.relay import Relay
from tests.unit.api.conftest import GUID, KEY

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
            assert "422" not in op["responses"] or path.startswith(("/s/", "/admin/screens")), path
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
