"""HTTP details on every route: 405 with Allow and the JSON body, HEAD, 400 for bad refs."""

from __future__ import annotations

import httpx
import pytest

from tests.support.in_process_relay import ADMIN, KEY


def fill(path: str) -> str:
    """A concrete URL for a documented path template."""
    return path.replace("{restaurant}", "harbor").replace(
        "{path}", "menus/v2/metadata?restaurant=harbor").replace("{item}", "no-such-item"
                                                                  ).replace("{screen}", "none")


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("POST", "/menu/harbor", "GET, HEAD, OPTIONS"),
    ("DELETE", "/stock/harbor", "GET, HEAD, OPTIONS"),
    ("PUT", "/menu/harbor/groups", "GET, HEAD, OPTIONS"),
    ("POST", "/restaurants", "GET, HEAD"),
    ("POST", "/healthz", "GET, HEAD"),
    ("PATCH", "/openapi.json", "GET, HEAD"),
    ("POST", "/docs", "GET, HEAD"),
    ("GET", "/admin/refresh/harbor", "POST"),
])
async def test_wrong_method_is_405_with_allow_and_json(
        relay: httpx.AsyncClient, method: str, path: str, allow: str) -> None:
    """A method a route does not answer is 405, with Allow and the JSON error body."""
    r = await relay.request(method, path, params={"key": KEY})
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    assert r.json()["error"] == "method_not_allowed" and r.json()["detail"]


async def test_head_answers_like_get_on_every_get_route(relay: httpx.AsyncClient) -> None:
    """Every documented GET route (and /docs, /openapi.json) answers HEAD as it answers GET."""
    doc = (await relay.get("/openapi.json")).json()
    paths = [fill(p) for p, item in doc["paths"].items() if "get" in item
             and "text/event-stream" not in item["get"]["responses"]["200"]["content"]]
    assert len(paths) >= 7
    for path in [*paths, "/docs", "/openapi.json"]:
        key = ADMIN if path.startswith("/admin") else KEY
        url = f"{path}{'&' if '?' in path else '?'}key={key}"
        got, head = await relay.get(url), await relay.head(url)
        # /image/...: no item here has a fetchable image, so both are the same 404;
        # the board's logo without its src= is the same 400; no screen is stored here.
        expected = (404 if path.startswith(("/image/", "/s/", "/admin/screens/")) else
                    400 if path.endswith("/logo") else 200)
        assert head.status_code == got.status_code == expected, path
        assert head.headers["content-type"] == got.headers["content-type"], path


async def test_head_is_counted_under_the_route_template(relay: httpx.AsyncClient) -> None:
    """A HEAD on an ordinary route is logged and counted under its template, not unmatched."""
    await relay.head("/readyz")
    metrics = (await relay.get("/metrics")).text
    assert 'relay_requests_total{route="/readyz",status="200"}' in metrics


@pytest.mark.parametrize("ref", ["not-a-guid-';--", "a b", "café", "-x", "x" * 65, "a;b"])
async def test_reference_neither_guid_nor_alias_is_400(relay: httpx.AsyncClient,
                                                       ref: str) -> None:
    """A restaurant reference that cannot be a GUID or an alias is 400, on every route."""
    for method, path, key in (("GET", f"/menu/{ref}", KEY), ("GET", f"/stock/{ref}", KEY),
                              ("POST", f"/admin/refresh/{ref}", ADMIN)):
        r = await relay.request(method, path, params={"key": key})
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"] == "bad_request"


async def test_unknown_valid_alias_is_still_404(relay: httpx.AsyncClient) -> None:
    """A well-formed alias that is not configured stays a 404."""
    r = await relay.get("/menu/decaf-cafe", params={"key": KEY})
    assert r.status_code == 404 and r.json()["error"] == "not_found"


async def test_unknown_route_is_json_404(relay: httpx.AsyncClient) -> None:
    """Unknown paths, on either lane, get the JSON error body."""
    for path in ("/nope", "/menu/harbor/extra/parts"):
        r = await relay.get(path)
        assert r.status_code == 404 and r.json()["error"] == "not_found", path


async def test_head_on_the_event_stream_answers_headers_only(relay: httpx.AsyncClient) -> None:
    """HEAD /events/{r} gets the stream's headers at once, not an endless body."""
    head = await relay.head("/events/harbor", params={"key": KEY})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize(("path", "key"), [
    ("/menu/harbor/", KEY), ("/board/harbor/", KEY), ("/stock/harbor/", KEY),
    ("/restaurants/", KEY), ("/admin/status/", ADMIN), ("/healthz/", KEY),
])
async def test_trailing_slash_is_404_never_a_redirect_carrying_the_key(
        relay: httpx.AsyncClient, path: str, key: str) -> None:
    """A trailing slash is a JSON 404: no redirect built from Host, the key nowhere in it."""
    r = await relay.get(path, params={"key": key}, headers={"Host": "evil.example"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert "location" not in r.headers and key not in r.text
