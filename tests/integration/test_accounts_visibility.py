"""Two accounts seen from outside, over a real socket against the simulator's two clients:
/admin/status grouped by account, an account's admin key seeing only its own, metrics and
access-log lines naming the account, and no secret anywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.app import create_app
from app.config import load_settings
from app.sim.sample import (
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
)
from tests.support.accounts import AGENCY_ADMIN, AGENCY_KEY, two_accounts
from tests.support.metrics import labels, samples
from tests.support.procs import Procs
from tests.support.relay_env import KEY, relay_env
from tests.support.served_app import served
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"


def status(url: str, key: str) -> dict[str, Any]:
    r = httpx.get(f"{url}/admin/status", headers={"X-API-Key": key}, timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def both_loaded(url: str) -> bool:
    accounts = status(url, ADMIN)["accounts"]
    return all(accounts[name]["summary"]["ok"] == 2 for name in ("default", "agency"))


def access_line(seen: list[str], capfd: pytest.CaptureFixture[str],
                request_id: str) -> dict[str, Any]:
    """The access-log line of ``request_id``, once the relay has written it."""
    def found() -> dict[str, Any] | None:
        seen.append(capfd.readouterr().err)
        for line in "".join(seen).splitlines():
            if request_id in line and line.startswith("{"):
                entry: dict[str, Any] = json.loads(line)
                return entry
        return None
    return wait_for(found, timeout=10, what=f"the access line of {request_id}")


def test_status_metrics_and_access_log_name_each_account(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Status has both accounts (the agency's admin key only its own, 403 on the default's
    restaurant), metrics carry account labels with one login per account, and access lines
    name the restaurant's account; neither client secret shows in any of them."""
    with Procs(tmp_path) as procs:
        settings = load_settings(relay_env(procs.sim(), RELAY_ADMIN_KEY=ADMIN,
                                           RELAY_LOG_FORMAT="json"))
        with served(create_app(settings, accounts=two_accounts(settings))) as url:
            wait_for(lambda: both_loaded(url), timeout=60, what="both accounts' warm-up")
            every = status(url, ADMIN)
            assert list(every["accounts"]) == ["default", "agency"]
            assert every["summary"]["total"] == 4
            own = status(url, AGENCY_ADMIN)
            assert list(own["accounts"]) == ["agency"] and own["summary"]["total"] == 2
            assert {e["account"] for e in own["restaurants"]} == {"agency"}
            refused = httpx.get(f"{url}/admin/status/harbor",
                                headers={"X-API-Key": AGENCY_ADMIN})
            assert refused.status_code == 403

            seen: list[str] = []
            for key, ref, account in ((AGENCY_KEY, "taqueria", "agency"),
                                      (KEY, "harbor", "default")):
                r = httpx.get(f"{url}/menu/{ref}", params={"key": key})
                assert r.status_code == 200, r.text
                line = access_line(seen, capfd, r.headers["x-request-id"])
                assert line["account"] == account and line["route"] == "/menu/{restaurant}"

            text = httpx.get(f"{url}/metrics").text
            logins = samples(text, "relay_token_refreshes_total")
            assert logins == {labels(account="default", result="ok"): 1,
                              labels(account="agency", result="ok"): 1}
            assert labels(account="agency") in samples(
                text, "relay_token_expiry_timestamp_seconds")
            by_state = samples(text, "relay_restaurants")
            assert by_state[labels(account="agency", state="ok")] == 2
            assert by_state[labels(account="default", state="ok")] == 2
            assert samples(text, "relay_toast_requests_total")[
                labels(account="agency", endpoint="menus", status="200")] >= 2
            rows = samples(text, "relay_menu_rows")
            assert rows[labels(account="agency", restaurant=AGENCY_TAQUERIA_GUID)] > 0
            assert rows[labels(account="default", restaurant=SAMPLE_RESTAURANT_GUID)] > 0
            budget = samples(text, "relay_toast_budget_limit")
            assert budget[labels(account="agency", window="15m", by="toast")] == 10000
        seen.append(capfd.readouterr().err)
    for secret in (AGENCY_CLIENT_SECRET, SAMPLE_CLIENT_SECRET, AGENCY_ADMIN, ADMIN):
        for where, shown in (("status", json.dumps(every)), ("metrics", text),
                             ("log", "".join(seen))):
            assert secret not in shown, (secret, where)
