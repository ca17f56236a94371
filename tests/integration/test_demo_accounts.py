"""`toast-relay demo` runs two accounts: the sample client as `default` and the simulator's
agency client as `agency`, each read only with its own screen key."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.demo import DEMO_AGENCY_KEY, DEMO_KEY
from app.sim.sample import AGENCY_CLIENT_ID, AGENCY_TAQUERIA_GUID
from tests.support.procs import RELAY, Procs, free_port
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration


def test_demo_serves_the_agency_account_with_its_own_key(tmp_path: Path) -> None:
    """The agency's restaurants answer 200 with the agency key and 403 with the default key
    (and the agency key is refused the default's); the banner and the landing page list
    both accounts' boards, each with its own key."""
    port, sim_port = free_port(), free_port()
    with Procs(tmp_path) as procs:
        demo = procs.start([RELAY, "demo", "--port", str(port), "--sim-port", str(sim_port)],
                           {}, "demo.log")
        out = demo.wait_output("Ctrl-C stops both", timeout=60)
        base = f"http://127.0.0.1:{port}"
        for alias in ("taqueria", "bakery"):
            assert f"{base}/board/{alias}?key={DEMO_AGENCY_KEY}" in out

        def menu(alias: str, key: str) -> httpx.Response:
            return httpx.get(f"{base}/menu/{alias}", params={"key": key}, timeout=15)

        wait_for(lambda: menu("bakery", DEMO_AGENCY_KEY).status_code == 200, 15,
                 "the agency's bakery to be served")
        taqueria = menu("taqueria", DEMO_AGENCY_KEY)
        assert taqueria.status_code == 200
        assert taqueria.json()["restaurant"]["name"] == "Taquería Sol"
        assert menu("taqueria", DEMO_KEY).status_code == 403
        assert menu("bakery", DEMO_KEY).status_code == 403
        assert menu("harbor", DEMO_AGENCY_KEY).status_code == 403
        assert menu("harbor", DEMO_KEY).status_code == 200
        page = httpx.get(f"{base}/", timeout=30).text
        assert f"/board/taqueria?key={DEMO_AGENCY_KEY}" in page
        assert f"/board/harbor?key={DEMO_KEY}" in page


def test_the_demo_agencys_publish_arrives_by_its_own_webhook(tmp_path: Path) -> None:
    """A price change of an agency restaurant reaches its /menu through the agency's own
    subscription (POST /webhooks/toast/agency, signed with its secret), well inside the
    10 s polling interval."""
    port, sim_port = free_port(), free_port()
    with Procs(tmp_path) as procs:
        demo = procs.start([RELAY, "demo", "--port", str(port), "--sim-port", str(sim_port)],
                           {}, "demo.log")
        demo.wait_output("Ctrl-C stops both", timeout=60)
        base, sim = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sim_port}"

        def rows() -> list[dict[str, object]]:
            r = httpx.get(f"{base}/menu/taqueria", params={"key": DEMO_AGENCY_KEY}, timeout=15)
            return r.json()["items"] if r.status_code == 200 else []

        wait_for(lambda: bool(rows()), 15, "the taqueria to be served")
        item = rows()[0]
        httpx.post(f"{sim}/_sim/publish/{AGENCY_TAQUERIA_GUID}", timeout=10,
                   json={"itemGuid": item["guid"], "price": 77.25}).raise_for_status()
        wait_for(lambda: any(r["guid"] == item["guid"] and r["price"] == 77.25
                             for r in rows()), 5, "the new price on the agency's /menu")
        hooks = httpx.get(f"{sim}/_sim/webhooks", timeout=10).json()
        assert hooks["subscriptions"][AGENCY_CLIENT_ID]["url"] == (
            f"{base}/webhooks/toast/agency")
        delivered = [d for d in hooks["deliveries"]
                     if d["restaurant"] == AGENCY_TAQUERIA_GUID]
        assert delivered and delivered[-1]["statuses"] == ["200"]
