"""``toast-relay sim`` as a real process serving two Toast accounts, each blind to the other."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
)
from tests.support.procs import RELAY, Procs, free_port
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers

pytestmark = pytest.mark.integration

AGENCY = {"clientId": AGENCY_CLIENT_ID, "clientSecret": AGENCY_CLIENT_SECRET,
          "userAccessType": "TOAST_MACHINE_CLIENT"}


def _token(sim: httpx.Client, body: dict[str, str]) -> str:
    r = sim.post(LOGIN, json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["token"]["accessToken"])


def test_two_clients_see_only_their_restaurants_and_fail_alone(tmp_path: Path) -> None:
    """Two clients log in once each, get 403 on each other's restaurants, and a 429 fault
    for the agency leaves the demo client's calls answered."""
    with Procs(tmp_path) as procs, httpx.Client(base_url=procs.sim(), timeout=10) as sim:
        demo, agency = _token(sim, CREDENTIALS), _token(sim, AGENCY)
        for token, own, other in ((demo, SAMPLE_RESTAURANT_GUID, AGENCY_TAQUERIA_GUID),
                                  (agency, AGENCY_BAKERY_GUID, SECOND_RESTAURANT_GUID)):
            assert sim.get("/menus/v2/menus", headers=headers(token, own)).status_code == 200
            assert sim.get("/menus/v2/metadata", headers=headers(token, other)
                           ).status_code == 403
        fault = {"endpoint": "*", "mode": "429", "client": AGENCY_CLIENT_ID, "retryAfter": 5}
        sim.post("/_sim/fault", json=fault).raise_for_status()
        limited = sim.get("/menus/v2/metadata", headers=headers(agency, AGENCY_TAQUERIA_GUID))
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "5")
        assert sim.get("/menus/v2/metadata", headers=headers(demo)).status_code == 200
        by_client = sim.get("/_sim/calls").json()["by_client"]
    assert by_client[SAMPLE_CLIENT_ID]["calls"]["login"] == 1
    assert by_client[AGENCY_CLIENT_ID]["calls"]["login"] == 1
    assert by_client[AGENCY_CLIENT_ID]["statuses"]["metadata"] == {"403": 1, "429": 1}
    assert "429" not in str(by_client[SAMPLE_CLIENT_ID]["statuses"])


def test_clients_file_replaces_the_built_in_clients(tmp_path: Path) -> None:
    """With --clients the file's client logs in and reads its restaurant; the demo one is
    refused; the banner names the client and no secret appears in the output."""
    secret = "agency-file-secret"
    path = tmp_path / "clients.toml"
    path.write_text(f'[clients.file-client]\nsecret = "{secret}"\n'
                    f'restaurants = ["{AGENCY_BAKERY_GUID}"]\n', encoding="utf-8")
    with Procs(tmp_path) as procs:
        url = procs.sim(extra_args=["--clients", str(path)])
        with httpx.Client(base_url=url, timeout=10) as sim:
            assert sim.post(LOGIN, json=CREDENTIALS).status_code == 401
            token = _token(sim, {"clientId": "file-client", "clientSecret": secret,
                                 "userAccessType": "TOAST_MACHINE_CLIENT"})
            assert sim.get("/menus/v2/metadata", headers=headers(token, AGENCY_BAKERY_GUID)
                           ).status_code == 200
    log = "".join(p.read_text(errors="replace") for p in tmp_path.glob("sim-*.log"))
    assert "file-client (partner API" in log and "Rise & Crumb Bakery" in log
    assert secret not in log


def test_a_bad_clients_file_stops_the_sim_with_one_line(tmp_path: Path) -> None:
    """A clients file with a mistake: one line on stderr, exit code 2, nothing served."""
    path = tmp_path / "clients.toml"
    path.write_text("[clients.x]\nsecret = 'hidden-value'\n", encoding="utf-8")
    with Procs(tmp_path) as procs:
        proc = procs.start([RELAY, "sim", "--port", str(free_port()), "--clients", str(path)],
                           {}, "sim-bad.log")
        assert proc.proc.wait(30) == 2
        out = proc.output()
    assert out.strip().count("\n") == 0 and "restaurants must be a non-empty list" in out
    assert "hidden-value" not in out and "Traceback" not in out
