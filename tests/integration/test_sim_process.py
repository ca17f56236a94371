"""The simulator as a real process on 127.0.0.1, started the way docs say."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.procs import Procs, free_port
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers

pytestmark = pytest.mark.integration


def test_server_module_serves_login_and_menus(tmp_path: Path) -> None:
    """`python -m app.sim.server --port P` answers a login and a menu over a real socket."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Procs(tmp_path) as procs:
        proc = procs.start([sys.executable, "-m", "app.sim.server", "--port", str(port),
                            "--token-lifetime", "600"], {}, "sim.log")
        proc.wait_http(f"{url}/_sim/calls")
        with httpx.Client(base_url=url, timeout=10) as client:
            login = client.post(LOGIN, json=CREDENTIALS).json()["token"]
            assert login["expiresIn"] == 600
            menus = client.get("/menus/v2/menus", headers=headers(login["accessToken"]))
            assert menus.status_code == 200
            assert menus.json()["restaurantGuid"] == SAMPLE_RESTAURANT_GUID
            assert client.get("/_sim/calls").json()["calls"] == {"login": 1, "menus": 1}
    assert "demo-secret" not in (tmp_path / "sim.log").read_text(errors="replace")
