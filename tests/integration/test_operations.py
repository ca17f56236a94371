"""What an operator sees: metrics, admin status and refresh, JSON logs, graceful stop."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
from tests.support.procs import Proc
from tests.support.relay_env import KEY
from tests.support.sim_calls import endpoint_count
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Proc]]:
    tmp = tmp_path_factory.mktemp("ops")
    with running_stack(tmp, RELAY_ADMIN_KEY=ADMIN, RELAY_REFRESH_INTERVAL="30") as stack:
        sim_url, relay, url = stack.sim, stack.relay, stack.url
        assert httpx.get(f"{url}/menu/harbor", params={"key": KEY}).status_code == 200
        yield url, sim_url, relay


def current_token(sim_url: str) -> str:
    """Toast (and the sim) hand the same token to a login before its last minute."""
    r = httpx.post(f"{sim_url}/authentication/v1/authentication/login", json={
        "clientId": SAMPLE_CLIENT_ID, "clientSecret": SAMPLE_CLIENT_SECRET,
        "userAccessType": "TOAST_MACHINE_CLIENT"})
    token: str = r.json()["token"]["accessToken"]
    return token


def test_metrics_cover_requests_cache_toast_token_and_menus(ops: tuple[str, str, Proc]) -> None:
    """/metrics has request, cache, Toast-call, token, per-restaurant menu and budget series."""
    url, sim_url, _ = ops
    etag = httpx.get(f"{url}/menu/harbor", params={"key": KEY}).headers["etag"]
    httpx.get(f"{url}/menu/harbor", params={"key": KEY}, headers={"If-None-Match": etag})
    text = httpx.get(f"{url}/metrics").text
    for needle in (
        'relay_requests_total{route="/menu/{restaurant}",status="200"}',
        'relay_cache_results_total{result="hit"}',
        'relay_cache_results_total{result="revalidated"}',
        'relay_toast_requests_total{account="default",endpoint="menus",status="200"}',
        'relay_toast_request_seconds_bucket{account="default",endpoint="menus"',
        'relay_token_expiry_timestamp_seconds{account="default"} ',
        f'relay_menu_age_seconds{{account="default",restaurant="{SAMPLE_RESTAURANT_GUID}"}}',
        f'relay_menu_rows{{account="default",restaurant="{SAMPLE_RESTAURANT_GUID}"}}',
        'relay_token_refreshes_total{account="default",result="ok"}',
        'relay_toast_budget_used{account="default",window="15m"}',
        'relay_toast_budget_limit{account="default",by="toast",window="15m"} 10000.0',
        'relay_toast_waiting{account="default",priority="first_load"}',
        "relay_event_loop_held_seconds_count ",
    ):
        assert needle in text, needle
    assert current_token(sim_url) not in text and KEY not in text
    assert SAMPLE_CLIENT_SECRET not in text


def test_admin_needs_the_admin_key(ops: tuple[str, str, Proc]) -> None:
    """/admin/status and /admin/refresh answer 401 without the admin key (or with a screen key)."""
    url, _, _ = ops
    assert httpx.get(f"{url}/admin/status").status_code == 401
    assert httpx.get(f"{url}/admin/status", params={"key": KEY}).status_code == 401
    assert httpx.post(f"{url}/admin/refresh/harbor").status_code == 401


def test_admin_status_shows_state_not_secrets(ops: tuple[str, str, Proc]) -> None:
    """/admin/status: token timing, a summary and a page of restaurants, the limiter; no token."""
    url, sim_url, _ = ops
    r = httpx.get(f"{url}/admin/status", headers={"X-API-Key": ADMIN})
    assert r.status_code == 200
    body = r.json()
    assert body["token"]["mode"] == "machine" and body["token"]["expiresAt"]
    assert body["token"]["lastLogin"]["result"] == "ok" and body["token"]["nextRefresh"]
    harbor = next(x for x in body["restaurants"] if x["restaurant"] == SAMPLE_RESTAURANT_GUID)
    for field in ("lastUpdated", "fetchedAt", "stale", "lastError", "nextCheck", "rows"):
        assert field in harbor
    assert harbor["rows"] > 0 and harbor["stale"] is False and harbor["state"] == "ok"
    assert body["summary"]["total"] == len(body["restaurants"]) and body["summary"]["ok"] >= 1
    assert body["page"]["next"] is None
    one = httpx.get(f"{url}/admin/status/harbor", headers={"X-API-Key": ADMIN})
    assert one.status_code == 200 and one.json()["restaurant"] == SAMPLE_RESTAURANT_GUID
    bad = httpx.get(f"{url}/admin/status", params={"limit": "0"}, headers={"X-API-Key": ADMIN})
    assert bad.status_code == 400 and "limit" in bad.json()["detail"]
    assert body["upstream"]["perSecond"]["toastLimit"] == 20
    assert current_token(sim_url) not in r.text and SAMPLE_CLIENT_SECRET not in r.text


def test_admin_refresh_fetches_now(ops: tuple[str, str, Proc]) -> None:
    """POST /admin/refresh/{restaurant} re-fetches the menu at once."""
    url, sim_url, _ = ops

    def menus_calls() -> int:
        calls = httpx.get(f"{sim_url}/_sim/calls").json()["by_restaurant"]
        return int(calls[SAMPLE_RESTAURANT_GUID]["menus"])

    before = menus_calls()
    r = httpx.post(f"{url}/admin/refresh/harbor", params={"key": ADMIN}, timeout=30)
    assert r.status_code == 200 and r.json()["restaurant"] == SAMPLE_RESTAURANT_GUID
    assert menus_calls() >= before + 1, httpx.get(f"{sim_url}/_sim/calls").text


def test_logs_are_json_lines_with_access_and_login_events(ops: tuple[str, str, Proc]) -> None:
    """Every log line is a JSON object; access lines carry id, route, status, timing, cache."""
    url, sim_url, relay = ops
    last = httpx.get(f"{url}/menu/harbor", params={"key": KEY})
    out = relay.wait_output(last.headers["x-request-id"])
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    access = [x for x in lines if x.get("logger") == "toast_relay.access"]
    assert access
    for field in ("requestId", "route", "status", "durationMs", "cache", "restaurant"):
        assert field in access[-1]
    assert any("login" in x["msg"].lower() for x in lines)
    text = relay.output()
    assert KEY not in text and ADMIN not in text and SAMPLE_CLIENT_SECRET not in text
    assert current_token(sim_url) not in text


def test_sigterm_finishes_in_flight_requests_and_exits_zero(tmp_path: Path) -> None:
    """On SIGTERM an in-flight request completes, and the process exits 0 within 10 s."""
    with running_stack(tmp_path, RELAY_RESTAURANTS="") as stack:
        sim_url, relay, url = stack.sim, stack.relay, stack.url
        httpx.post(f"{sim_url}/_sim/fault", json={
            "endpoint": "menus", "mode": "slow", "delay": 2, "count": 1}).raise_for_status()
        result: dict[str, int] = {}

        def slow_request() -> None:
            r = httpx.get(f"{url}/menu/{SAMPLE_RESTAURANT_GUID}", params={"key": KEY},
                          timeout=30)
            result["status"] = r.status_code

        worker = threading.Thread(target=slow_request)
        worker.start()
        wait_for(lambda: endpoint_count(sim_url, "menus", None) >= 1, 10,
                 "the slow /menus call to be under way")
        started = time.monotonic()
        relay.proc.send_signal(signal.SIGTERM)
        code = relay.proc.wait(timeout=15)
        elapsed = time.monotonic() - started
        worker.join(timeout=15)
        assert result.get("status") == 200
        assert code == 0 and elapsed < 10
