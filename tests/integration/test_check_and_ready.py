"""`toast-relay check` and /readyz against the simulator: clear lines, right exit codes,
logins counted at the simulator, readiness that keeps the last good copies."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
)
from tests.support.procs import RELAY, free_port
from tests.support.relay_env import KEY, relay_env
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RELAY, "check"], env=env, capture_output=True, text=True,
                          timeout=60, cwd="/")


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_stack(tmp_path_factory.mktemp("check"), relays=0) as stack:
        yield stack.sim


def test_check_lists_restaurants_with_names_and_timestamps(sim_url: str) -> None:
    """With good settings, check prints each restaurant's name and lastUpdated and exits 0."""
    env = relay_env(sim_url, RELAY_RESTAURANTS=json.dumps({"harbor": SAMPLE_RESTAURANT_GUID}))
    r = check(env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Harbor Lights Kitchen" in r.stdout and "lastUpdated" in r.stdout
    assert SAMPLE_CLIENT_SECRET not in r.stdout + r.stderr


def test_check_wrong_credentials(sim_url: str) -> None:
    """Wrong credentials: one FAIL line naming the settings to fix, exit 1, no secret echoed."""
    env = relay_env(sim_url, TOAST_CLIENT_SECRET="wrong-secret-value-123")
    r = check(env)
    assert r.returncode == 1
    assert "TOAST_CLIENT_SECRET" in r.stdout and "Traceback" not in r.stderr
    assert "wrong-secret-value-123" not in r.stdout + r.stderr


def test_check_unreachable_host() -> None:
    """An unreachable Toast host: one line saying so, exit 1."""
    env = relay_env(f"http://127.0.0.1:{free_port()}")
    r = check(env)
    assert r.returncode == 1
    assert "reach" in r.stdout.lower() and "Traceback" not in r.stderr


def test_check_restaurant_not_accessible(sim_url: str) -> None:
    """A restaurant the credentials cannot read: a FAIL line for it, exit 1."""
    env = relay_env(sim_url, RELAY_RESTAURANTS=json.dumps({
        "harbor": SAMPLE_RESTAURANT_GUID, "locked": FORBIDDEN_RESTAURANT_GUID}))
    r = check(env)
    assert r.returncode == 1
    fails = [line for line in r.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1 and "locked" in fails[0]


def test_check_bad_configuration_exits_2(sim_url: str) -> None:
    """Bad configuration: one line on stderr naming the variable, exit 2."""
    env = relay_env(sim_url)
    del env["TOAST_CLIENT_SECRET"]
    r = check(env)
    assert r.returncode == 2 and "TOAST_CLIENT_SECRET" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_readyz_reports_rejected_credentials(sim_url: str, tmp_path: Path) -> None:
    """/readyz is 503 with a JSON reason while Toast rejects the credentials; /healthz stays 200."""
    with running_stack(tmp_path, sim_url=sim_url, TOAST_CLIENT_SECRET="wrong-secret-value-123",
                       RELAY_RESTAURANTS="") as stack:
        relay, url = stack.relay, stack.url
        ready = httpx.get(f"{url}/readyz")
        for _ in range(50):
            if ready.status_code == 503:
                break
            httpx.get(f"{url}/menu/{SAMPLE_RESTAURANT_GUID}",
                      params={"key": "screen-key-0123456789abcdef"})
            ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503
        assert ready.json()["error"] == "not_ready" and "TOAST_CLIENT" in ready.json()["detail"]
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert "wrong-secret-value-123" not in relay.output()


def logins(sim_url: str) -> int:
    return int(httpx.get(f"{sim_url}/_sim/calls").json()["calls"].get("login", 0))


def test_check_reuses_the_saved_token_and_logs_in_only_with_login(sim_url: str,
                                                                   tmp_path: Path) -> None:
    """check logs in once to save a token, then 0 logins while it is valid; --login
    forces exactly 1 (counted at the simulator)."""
    env = relay_env(sim_url, RELAY_DATA_DIR=str(tmp_path / "data"),
                    RELAY_RESTAURANTS=json.dumps({"harbor": SAMPLE_RESTAURANT_GUID}))
    before = logins(sim_url)
    first = check(env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert logins(sim_url) == before + 1 and (tmp_path / "data" / "token.json").exists()
    again = check(env)
    assert again.returncode == 0 and logins(sim_url) == before + 1
    assert "reusing the token saved" in again.stdout and "no login" in again.stdout
    forced = subprocess.run([RELAY, "check", "--login"], env=env, capture_output=True,
                            text=True, timeout=60, cwd="/")
    assert forced.returncode == 0 and logins(sim_url) == before + 2
    assert "logged in" in forced.stdout


def test_check_lists_the_restaurants_the_credentials_reach(sim_url: str) -> None:
    """check lists every restaurant the partners API gives, marking the configured ones."""
    env = relay_env(sim_url, RELAY_RESTAURANTS=json.dumps({"harbor": SAMPLE_RESTAURANT_GUID}))
    r = check(env)
    assert r.returncode == 0, r.stdout
    reach = r.stdout[r.stdout.index("reach"):]
    assert "configured as harbor" in reach and "Maple Leaf Café" in reach
    assert "not configured" in reach


def fail_logins(sim_url: str, mode: str) -> None:
    httpx.post(f"{sim_url}/_sim/fault", json={"endpoint": "login", "mode": mode}
               ).raise_for_status()


def wait_ready_json(url: str, until: Callable[[httpx.Response], bool]) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        r = httpx.get(f"{url}/readyz")
        if until(r) or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_readyz_200_with_saved_copies_while_login_fails(sim_url: str, tmp_path: Path) -> None:
    """Restarted with saved copies of every configured restaurant and no token while Toast's
    login fails, the relay stays ready (200, degraded) and serves the copies; the failure
    shows in /readyz, /admin/status and /metrics."""
    data = tmp_path / "data"
    restaurants = json.dumps({"harbor": SAMPLE_RESTAURANT_GUID, "maple": SECOND_RESTAURANT_GUID})
    with running_stack(tmp_path, sim_url=sim_url, RELAY_DATA_DIR=str(data), RELAY_ADMIN_KEY=ADMIN,
                       RELAY_RESTAURANTS=restaurants) as stack:
        first, url = stack.relay, stack.url
        r = wait_ready_json(url, lambda r: r.json().get("restaurants", {}).get("servable") == 2)
        assert r.status_code == 200, r.text
        wait_for(lambda: len(list((data / "menus").glob("*.snapshot"))) >= 2, 10,
                 "both copies to be saved")
        first.stop()
    (data / "token.json").unlink()
    fail_logins(sim_url, "503")
    try:
        with running_stack(tmp_path, sim_url=sim_url, RELAY_DATA_DIR=str(data),
                           RELAY_ADMIN_KEY=ADMIN, RELAY_RESTAURANTS=restaurants) as stack:
            url = stack.url
            r = wait_ready_json(url, lambda r: r.json().get("loginError") is not None)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] == "degraded" and "503" in body["loginError"]
            assert body["restaurants"] == {"total": 2, "servable": 2}
            wait_for(lambda: httpx.get(f"{url}/menu/harbor", params={"key": KEY}).headers.get(
                "X-Cache") == "STALE", 30, "the copy marked stale by its failing check")
            menu = httpx.get(f"{url}/menu/harbor", params={"key": KEY})
            assert menu.status_code == 200 and menu.headers["X-Cache"] == "STALE"
            status = httpx.get(f"{url}/admin/status", params={"key": ADMIN}).json()
            assert status["readiness"]["loginError"] and status["token"]["error"]
            assert "relay_toast_login_failing 1.0" in httpx.get(f"{url}/metrics").text
    finally:
        fail_logins(sim_url, "off")


def test_readyz_503_without_token_or_copies(sim_url: str, tmp_path: Path) -> None:
    """With Toast's login failing and no saved copy, /readyz is 503 naming both."""
    fail_logins(sim_url, "503")
    try:
        with running_stack(tmp_path, sim_url=sim_url,
                           RELAY_RESTAURANTS=json.dumps({"harbor": SAMPLE_RESTAURANT_GUID})
                           ) as stack:
            url = stack.url
            r = wait_ready_json(url, lambda r: r.status_code == 503)
            assert r.status_code == 503, r.text
            assert r.json()["error"] == "not_ready"
            assert "503" in r.json()["detail"] and "no saved copy" in r.json()["detail"]
            assert httpx.get(f"{url}/healthz").status_code == 200
    finally:
        fail_logins(sim_url, "off")
