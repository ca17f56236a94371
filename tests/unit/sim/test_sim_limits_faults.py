"""Rate limits, injected faults and call counters."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from app.clock import FakeClock
from app.sim.sample import SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID
from app.sim.state import SimState
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers


async def _fault(client: httpx.AsyncClient, **body: object) -> None:
    r = await client.post("/_sim/fault", json=body)
    assert r.status_code == 200, r.text


async def test_second_menus_call_within_a_second_is_429(client: httpx.AsyncClient, token: str,
                                                        clock: FakeClock) -> None:
    """/menus allows 1 call per second per restaurant; the 429 says when to come back."""
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 200
    limited = await client.get("/menus/v2/menus", headers=headers(token))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-Toast-RateLimit-By"] == "ENDPOINT"
    assert int(limited.headers["X-Toast-RateLimit-Reset"]) >= int(clock.now())
    await clock.advance(1.0)
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 200


async def test_menus_limit_is_per_restaurant(client: httpx.AsyncClient, token: str) -> None:
    """Another restaurant's /menus call is not limited by the first one's."""
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 200
    other = await client.get("/menus/v2/menus", headers=headers(token, SECOND_RESTAURANT_GUID))
    assert other.status_code == 200


async def test_global_limit_is_20_per_second(client: httpx.AsyncClient, token: str,
                                             clock: FakeClock, state: SimState) -> None:
    """The 21st call in one second for one restaurant is 429 by GLOBAL; a second later it passes."""
    codes = [(await client.get("/menus/v2/metadata", headers=headers(token))).status_code
             for _ in range(21)]
    assert codes == [200] * 20 + [429]
    last = await client.get("/menus/v2/metadata", headers=headers(token))
    assert last.headers["X-Toast-RateLimit-By"] == "GLOBAL"
    assert state.counters.rate_limited_calls == 2
    await clock.advance(1.0)
    assert (await client.get("/menus/v2/metadata", headers=headers(token))).status_code == 200


async def test_success_carries_rate_limit_headers(client: httpx.AsyncClient, token: str) -> None:
    """Every answer carries X-Toast-RateLimit-By, -Remaining and -Reset."""
    r = await client.get("/menus/v2/metadata", headers=headers(token))
    assert r.headers["X-Toast-RateLimit-By"] == "GLOBAL"
    assert r.headers["X-Toast-RateLimit-Remaining"] == "19"
    assert "X-Toast-RateLimit-Reset" in r.headers


@pytest.mark.parametrize("mode", ["500", "503"])
async def test_server_error_fault(client: httpx.AsyncClient, token: str, mode: str) -> None:
    """A 500/503 fault answers that status, before even checking the token."""
    await _fault(client, endpoint="menus", mode=mode, count=None)
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == int(mode)
    assert (await client.get("/menus/v2/menus")).status_code == int(mode)
    assert (await client.get("/menus/v2/metadata", headers=headers(token))).status_code == 200


async def test_fault_count_runs_out(client: httpx.AsyncClient, token: str,
                                    clock: FakeClock) -> None:
    """A fault with count N hits exactly N calls."""
    await _fault(client, endpoint="metadata", mode="503", count=2)
    codes = [(await client.get("/menus/v2/metadata", headers=headers(token))).status_code
             for _ in range(3)]
    assert codes == [503, 503, 200]
    assert (await client.get("/_sim/faults")).json() == []


async def test_429_fault_sends_retry_after(client: httpx.AsyncClient, token: str) -> None:
    """A 429 fault carries the requested Retry-After."""
    await _fault(client, endpoint="*", mode="429", retryAfter=30)
    r = await client.get("/stock/v1/inventory", headers=headers(token))
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"


async def test_slow_fault_waits_on_the_clock(client: httpx.AsyncClient, token: str,
                                             clock: FakeClock) -> None:
    """A slow fault answers only after the injected clock passes the delay."""
    await _fault(client, endpoint="metadata", mode="slow", delay=5, count=1)
    call = asyncio.create_task(client.get("/menus/v2/metadata", headers=headers(token)))
    for _ in range(50):
        await asyncio.sleep(0)
    assert not call.done()
    await clock.advance(5)
    assert (await call).status_code == 200


async def test_broken_json_fault(client: httpx.AsyncClient, token: str) -> None:
    """broken_json answers 200 application/json with a truncated body."""
    await _fault(client, endpoint="menus", mode="broken_json", count=1)
    r = await client.get("/menus/v2/menus", headers=headers(token))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(r.content)


async def test_empty_menu_fault(client: httpx.AsyncClient, token: str) -> None:
    """empty_menu answers a valid Restaurant with no menus."""
    await _fault(client, endpoint="*", mode="empty_menu", count=1)
    assert (await client.get("/stock/v1/inventory", headers=headers(token))).status_code == 200
    doc = (await client.get("/menus/v2/menus", headers=headers(token))).json()
    assert doc["menus"] == [] and doc["restaurantGuid"] == SAMPLE_RESTAURANT_GUID


async def test_login_fault_and_off(client: httpx.AsyncClient) -> None:
    """A login fault makes logins fail until mode off clears it."""
    await _fault(client, endpoint="login", mode="503")
    assert (await client.post(LOGIN, json=CREDENTIALS)).status_code == 503
    await _fault(client, endpoint="login", mode="off")
    assert (await client.post(LOGIN, json=CREDENTIALS)).status_code == 200


async def test_bad_fault_body_is_400(client: httpx.AsyncClient) -> None:
    """An unknown endpoint or mode is refused by the control endpoint."""
    assert (await client.post("/_sim/fault", json={"endpoint": "x", "mode": "500"})).status_code \
        == 400
    assert (await client.post("/_sim/fault", json={"mode": "teapot"})).status_code == 400


async def test_counters_per_endpoint_and_restaurant(client: httpx.AsyncClient,
                                                    token: str) -> None:
    """/_sim/calls counts logins and data calls, per endpoint, per restaurant and by status."""
    await client.get("/menus/v2/metadata", headers=headers(token))
    await client.get("/menus/v2/menus", headers=headers(token))
    await client.get("/menus/v2/menus", headers=headers(token))
    await client.get("/stock/v1/inventory", headers=headers(token, SECOND_RESTAURANT_GUID))
    calls = (await client.get("/_sim/calls")).json()
    assert calls["calls"] == {"login": 1, "metadata": 1, "menus": 2, "stock": 1}
    assert calls["total"] == 5
    assert calls["by_restaurant"][SAMPLE_RESTAURANT_GUID] == {"metadata": 1, "menus": 2}
    assert calls["by_restaurant"][SECOND_RESTAURANT_GUID] == {"stock": 1}
    assert calls["statuses"]["menus"] == {"200": 1, "429": 1}
    assert calls["tokens_issued"] == 1 and calls["expired_token_calls"] == 0


async def test_reset_clears_counters_faults_and_windows(client: httpx.AsyncClient,
                                                        token: str) -> None:
    """/_sim/reset zeroes counters, drops faults and forgets rate-limit windows."""
    await client.get("/menus/v2/menus", headers=headers(token))
    await _fault(client, endpoint="stock", mode="500")
    await client.post("/_sim/reset")
    assert (await client.get("/_sim/calls")).json()["total"] == 0
    assert (await client.get("/stock/v1/inventory", headers=headers(token))).status_code == 200
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 200


async def test_full_reset_restores_data_and_forgets_tokens(client: httpx.AsyncClient,
                                                           token: str) -> None:
    """/_sim/reset?full=true restores the sample menu and invalidates issued tokens."""
    before = (await client.get("/menus/v2/metadata", headers=headers(token))).json()
    await client.post(f"/_sim/publish/{SAMPLE_RESTAURANT_GUID}")
    await client.post("/_sim/reset", params={"full": "true"})
    assert (await client.get("/menus/v2/metadata", headers=headers(token))).status_code == 401
    fresh = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"]
    after = (await client.get("/menus/v2/metadata", headers=headers(fresh))).json()
    assert after == before


async def test_html_fault_answers_a_maintenance_page(client: httpx.AsyncClient,
                                                    token: str) -> None:
    """html answers 200 text/html (a proxy's page) instead of the JSON, once per count."""
    await _fault(client, endpoint="metadata", mode="html", count=1)
    r = await client.get("/menus/v2/metadata", headers=headers(token))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.text.startswith("<!DOCTYPE html>")
    assert (await client.get("/menus/v2/metadata", headers=headers(token))).json()[
        "restaurantGuid"] == SAMPLE_RESTAURANT_GUID
