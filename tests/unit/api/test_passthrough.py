"""GET /toast/{path}: allow-listed Toast GETs with the relay's token, cached, errors as is."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.api.app import create_app, lifespan_of
from app.clock import FakeClock
from app.config import load_settings
from app.errors import BadRequest, NotFound
from app.sim.app import create_sim_app
from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
)
from app.sim.state import SimState
from app.toast.passthrough import toast_path, toast_query
from tests.support.in_process_relay import KEY, START, Open, Stack

GUID = SAMPLE_RESTAURANT_GUID


async def toast(stack: Stack, path: str, **params: str) -> httpx.Response:
    params.setdefault("restaurant", "harbor")
    return await stack.client.get(f"/toast/{path}", params={"key": KEY, **params})


async def loaded(stack: Stack) -> Stack:
    """The stack once the sample restaurant is loaded (so later counts are the test's own)."""
    assert (await stack.client.get("/menu/harbor", params={"key": KEY})).status_code == 200
    return stack


@pytest.mark.parametrize(("path", "toast"), [
    ("menus/v2/metadata", "/menus/v2/metadata"), ("stock/v1/inventory", "/stock/v1/inventory"),
    ("menus/v2/menus", "/menus/v2/menus"),
    (f"restaurants/v1/restaurants/{GUID.upper()}", f"/restaurants/v1/restaurants/{GUID}")])
def test_allowlisted_paths_map_to_toast(path: str, toast: str) -> None:
    """Each allow-listed path names exactly one Toast endpoint."""
    assert toast_path(path, GUID)[0] == toast


@pytest.mark.parametrize("path", [
    "orders/v2/orders", "menus/v2/metadata/", "menus/v2/../v2/menus", "Menus/v2/metadata",
    "authentication/v1/authentication/login", f"restaurants/v1/restaurants/{GUID}/x",
    "stock/v1/inventory/search", "", "menus/v2/menus?x=1"])
def test_everything_else_is_404(path: str) -> None:
    """Anything but an exact allow-listed path is a 404 (no normalisation to slip through)."""
    with pytest.raises(NotFound):
        toast_path(path, GUID)


def test_restaurant_details_only_for_the_named_restaurant() -> None:
    """restaurants/v1/restaurants/{GUID} must name the ?restaurant= restaurant (400)."""
    with pytest.raises(BadRequest):
        toast_path(f"restaurants/v1/restaurants/{FORBIDDEN_RESTAURANT_GUID}", GUID)


def test_query_keeps_only_toast_parameters() -> None:
    """Only the parameters Toast documents for the endpoint go on; bad values are 400."""
    assert toast_query("/stock/v1/inventory", {"status": "QUANTITY", "key": "k"}) == {
        "status": "QUANTITY"}
    assert toast_query("/menus/v2/metadata", {"status": "QUANTITY"}) == {}
    with pytest.raises(BadRequest):
        toast_query("/stock/v1/inventory", {"status": "IN_STOCK"})


async def test_metadata_passes_through_and_is_cached(stack: Stack) -> None:
    """Toast's answer comes back as is; a second ask within the TTL costs Toast nothing."""
    await loaded(stack)
    before = await stack.toast_calls("metadata")
    first = await toast(stack, "menus/v2/metadata")
    direct = await stack.sim.get("/menus/v2/metadata", headers={
        "Authorization": f"Bearer {await stack.relay.primary.tokens.get_token()}",
        "Toast-Restaurant-External-ID": GUID})
    assert first.status_code == 200 and first.json() == direct.json()
    assert first.headers["x-cache"] == "MISS"
    again = await toast(stack, "menus/v2/metadata", restaurant=GUID)
    assert again.headers["x-cache"] == "HIT" and again.content == first.content
    assert await stack.toast_calls("metadata") == before + 2  # the relay's one + the direct one


async def test_menus_come_from_the_relays_copy(stack: Stack) -> None:
    """/toast/menus/v2/menus is the relay's own copy of Toast's bytes: no /menus call."""
    await loaded(stack)
    before = await stack.toast_calls("menus")
    r = await toast(stack, "menus/v2/menus")
    assert r.status_code == 200 and r.json()["restaurantGuid"] == GUID
    assert await stack.toast_calls("menus") == before


async def test_off_allowlist_is_404_without_a_toast_call(stack: Stack) -> None:
    """A path off the allowlist is 404 and Toast hears nothing of it."""
    await loaded(stack)
    before = await stack.toast_calls()
    for path in ("orders/v2/orders", "authentication/v1/authentication/login",
                 "menus/v2/%2E%2E/menus"):
        r = await toast(stack, path)
        assert r.status_code == 404 and r.json()["error"] == "not_found", path
    assert await stack.toast_calls() == before


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405(stack: Stack, method: str) -> None:
    """Only GET (and HEAD) pass through; anything else is 405 with Allow."""
    r = await stack.client.request(method, "/toast/stock/v1/inventory",
                                   params={"key": KEY, "restaurant": "harbor"})
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


async def test_key_and_restaurant_rules(stack: Stack) -> None:
    """No key 401; no ?restaurant= 400; a bad reference 400; an unknown alias 404."""
    assert (await stack.client.get("/toast/menus/v2/metadata")).status_code == 401
    r = await stack.client.get("/toast/menus/v2/metadata", params={"key": KEY})
    assert r.status_code == 400 and "restaurant" in r.json()["detail"]
    assert (await toast(stack, "menus/v2/metadata", restaurant="x';--")).status_code == 400
    assert (await toast(stack, "menus/v2/metadata", restaurant="uptown")).status_code == 404


async def test_toast_errors_keep_status_and_body(open_relay: Open) -> None:
    """Toast's 403 comes back with Toast's status and body (not the relay's), never the token."""
    async with open_relay(RELAY_RESTAURANTS="") as stack:
        token = await stack.relay.primary.tokens.get_token()
        refused = await toast(stack, "menus/v2/metadata", restaurant=FORBIDDEN_RESTAURANT_GUID)
        assert refused.status_code == 403
        assert "error" not in refused.json()  # Toast's ErrorMessage, not the relay's body
        assert token not in refused.text


async def test_rate_limit_passes_with_retry_after(stack: Stack) -> None:
    """Toast's 429 (a long wait) comes back at once as 429 with Retry-After, not cached."""
    await loaded(stack)
    await stack.sim.post("/_sim/fault", json={"endpoint": "stock", "mode": "429",
                                              "retryAfter": 120})
    r = await toast(stack, "stock/v1/inventory")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 120


async def test_outage_after_retries_passes_toasts_503(stack: Stack) -> None:
    """A Toast outage is retried as for any call, then Toast's 503 is handed on, not cached."""
    await loaded(stack)
    await stack.sim.post("/_sim/fault", json={"endpoint": "metadata", "mode": "503"})
    task = asyncio.ensure_future(toast(stack, "menus/v2/metadata"))
    while not task.done():
        await stack.clock.advance(1)
        await asyncio.sleep(0)
    assert (await task).status_code == 503
    await stack.sim.post("/_sim/fault", json={"endpoint": "*", "mode": "off"})
    assert (await toast(stack, "menus/v2/metadata")).status_code == 200


HTML = b"<!doctype html><script>alert(document.domain)</script>"


async def test_toast_answers_are_always_json_with_nosniff() -> None:
    """An upstream text/html answer (200 or error) goes out as application/json with
    X-Content-Type-Options: nosniff, never as HTML on the relay's origin."""
    clock = FakeClock(start=START)
    sim = httpx.ASGITransport(app=create_sim_app(SimState(clock=clock)))

    async def html_in_front(request: httpx.Request) -> httpx.Response:
        # Something in front of Toast answering HTML: a captive portal, a proxy's error page.
        if request.url.path == "/menus/v2/metadata":
            return httpx.Response(200, headers={"content-type": "text/html"}, content=HTML)
        if request.url.path == "/stock/v1/inventory":
            return httpx.Response(404, headers={"content-type": "text/html"}, content=HTML)
        return await sim.handle_async_request(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(html_in_front),
                             base_url="http://toast.test")
    app = create_app(load_settings({
        "TOAST_API_URL": "http://toast.test", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
        "RELAY_RESTAURANTS": f'{{"harbor": "{GUID}"}}'}), clock=clock, http=http)
    ops = lifespan_of(app)
    async with ops.router.lifespan_context(ops), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://relay") as client:
        for path, status in (("menus/v2/metadata", 200), ("stock/v1/inventory", 404)):
            r = await client.get(f"/toast/{path}", params={"key": KEY, "restaurant": "harbor"})
            assert r.status_code == status, path
            assert r.headers["content-type"] == "application/json", path
            assert r.headers["x-content-type-options"] == "nosniff", path


async def test_off_allowlist_is_404_before_key_and_restaurant(stack: Stack) -> None:
    """Off the allowlist is 404 whatever else is missing (no ?restaurant=, no key), as the
    HTTP API page (docs/http-api.md) promises, not the 400 or 401 those would otherwise get."""
    for params in ({"key": KEY}, {}, {"restaurant": "harbor"}):
        r = await stack.client.get("/toast/authentication/v1/authentication/login",
                                   params=params)
        assert r.status_code == 404 and r.json()["error"] == "not_found", params
