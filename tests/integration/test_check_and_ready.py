"""`toast-relay check` and /readyz against the simulator: clear lines, right exit codes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
)
from tests.support.procs import RELAY, Procs, free_port
from tests.support.relay_env import relay_env

pytestmark = pytest.mark.integration


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RELAY, "check"], env=env, capture_output=True, text=True,
                          timeout=60, cwd="/")


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with Procs(tmp_path_factory.mktemp("check")) as procs:
        yield procs.sim()


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
    env = relay_env(sim_url, TOAST_CLIENT_SECRET="wrong-secret-value-123", RELAY_RESTAURANTS="")
    with Procs(tmp_path) as procs:
        relay, url = procs.relay(env)
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
