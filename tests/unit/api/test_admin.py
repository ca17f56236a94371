"""POST /admin/refresh on the fast lane: the admin key first, then the reference, then Toast."""

from __future__ import annotations

import httpx

from tests.support.in_process_relay import ADMIN, GUID, KEY, Open, Stack


async def test_refresh_checks_the_admin_key_before_the_reference(relay: httpx.AsyncClient) -> None:
    """Without the admin key (or with a screen key) it is 401, even for a malformed reference."""
    for params in ({}, {"key": KEY}):
        for ref in ("harbor", "not-a-guid-';--"):
            r = await relay.post(f"/admin/refresh/{ref}", params=params)
            assert r.status_code == 401 and r.json()["error"] == "unauthorized", (params, ref)
            assert "RELAY_ADMIN_KEY" in r.json()["detail"]


async def test_refresh_fetches_and_answers_the_entry(stack: Stack) -> None:
    """With the key in X-API-Key it re-fetches /menus and answers the status entry, no-store,
    counted in the metrics under its route template."""
    before = await stack.toast_calls("menus")
    r = await stack.client.post("/admin/refresh/harbor", headers={"X-API-Key": ADMIN})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json()["restaurant"] == GUID and r.json()["state"] == "ok"
    assert await stack.toast_calls("menus") == before + 1
    metrics = (await stack.client.get("/metrics")).text
    assert 'relay_requests_total{route="/admin/refresh/{restaurant}",status="200"}' in metrics


async def test_refresh_is_401_when_admin_is_disabled(open_relay: Open) -> None:
    """With no RELAY_ADMIN_KEY set, any key gets 401 saying how to turn admin on."""
    async with open_relay(RELAY_ADMIN_KEY=None) as stack:
        r = await stack.client.post("/admin/refresh/harbor", params={"key": ADMIN})
    assert r.status_code == 401 and "set RELAY_ADMIN_KEY" in r.json()["detail"]


METRICS_KEY = "metrics-key-0123456789abcdef"


async def test_metrics_key_guards_metrics_when_set(open_relay: Open) -> None:
    """With RELAY_METRICS_KEY set, /metrics is 401 without it and 200 with it as a bearer
    token (Prometheus' authorization), X-API-Key or ?key=; the admin key is not it."""
    async with open_relay(RELAY_METRICS_KEY=METRICS_KEY) as stack:
        client = stack.client
        for refused in ({}, {"headers": {"Authorization": "Bearer wrong-key-0123456789"}},
                        {"params": {"key": ADMIN}}):
            r = await client.get("/metrics", **refused)  # type: ignore[arg-type]
            assert r.status_code == 401 and r.json()["error"] == "unauthorized", refused
            assert "relay_" not in r.text
        for accepted in ({"headers": {"Authorization": f"Bearer {METRICS_KEY}"}},
                         {"headers": {"X-API-Key": METRICS_KEY}},
                         {"params": {"key": METRICS_KEY}}):
            r = await client.get("/metrics", **accepted)  # type: ignore[arg-type]
            assert r.status_code == 200 and "relay_requests_total" in r.text, accepted


async def test_metrics_stay_open_without_a_metrics_key(stack: Stack) -> None:
    """Without RELAY_METRICS_KEY, /metrics answers anyone (docs/monitoring.md lists it)."""
    assert (await stack.client.get("/metrics")).status_code == 200
