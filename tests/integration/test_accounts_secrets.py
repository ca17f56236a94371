"""No secret of any account, nor any Toast token, in anything the relay says: every log
line, /admin/status, /metrics, /readyz, /openapi.json and error bodies, after a run with
429s, refused credentials and refused requests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.accounts import (
    AGENCY,
    AGENCY_ADMIN,
    AGENCY_HOOK,
    AGENCY_KEY,
    GLOBAL_ADMIN,
    HARBOR,
    HARBOR_ADMIN,
    HARBOR_HOOK,
    HARBOR_KEY,
    RESTAURANTS,
    accounts_stack,
    fault,
    get,
    json_lines,
)
from tests.support.sim_auth import LOGIN
from tests.support.waits import wait_for
from tests.support.webhooks import toast_webhook

pytestmark = pytest.mark.integration
CLIENT_IDS = {HARBOR: "harbor-client-7d2e", AGENCY: "agency-client-4b9c",
              "lake": "lake-client-1f8a"}
SECRETS = {HARBOR: "harbor-SECRET-q8Zr41VwXk", AGENCY: "agency-SECRET-mT5yB0pLc2",
           "lake": "lake-RIGHT-SECRET-Hs93nQ"}
WRONG_SECRET = "lake-WRONG-SECRET-uV72kD"
"""What the relay sends for `lake`: the simulator knows another secret (refused logins)."""
LAKE_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "toast-relay-test:lake"))
LAKE_KEY = "lake-screen-key-00000001"


def sim_clients(folder: Path) -> Path:
    """The simulator's clients file: the three clients with their distinctive secrets."""
    restaurants = {**{n: list(RESTAURANTS[n].values()) for n in (HARBOR, AGENCY)},
                   "lake": [LAKE_GUID]}
    path = folder / "clients.toml"
    path.write_text("".join(
        f'[clients.{CLIENT_IDS[n]}]\nsecret = "{SECRETS[n]}"\n'
        f"restaurants = {list(guids)!r}\n".replace("'", '"')
        for n, guids in restaurants.items()), encoding="utf-8")
    return path


def lake(sim_url: str) -> dict[str, dict[str, Any]]:
    return {"lake": {"api_url": sim_url, "client_id": CLIENT_IDS["lake"],
                     "client_secret": WRONG_SECRET, "restaurants": {"lake": LAKE_GUID},
                     "screen_keys": [LAKE_KEY], "refresh_interval": 1}}


def token_of(sim_url: str, name: str) -> str:
    """The token the simulator holds for a client (the same one the relay got: Toast hands
    out the same token until its last minute)."""
    r = httpx.post(f"{sim_url}{LOGIN}", json={
        "clientId": CLIENT_IDS[name], "clientSecret": SECRETS[name],
        "userAccessType": "TOAST_MACHINE_CLIENT"}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["token"]["accessToken"])


def test_no_secret_or_token_in_anything_the_relay_says(tmp_path: Path) -> None:
    """Distinctive client secrets (one in a secret file, one refused by Toast), webhook
    secrets, keys and the simulator's tokens appear in no log line, status, metric,
    readiness answer, OpenAPI document or error body, through 429s and refused logins; and
    every warning about Toast or webhooks names its account."""
    secret_file = tmp_path / "harbor.secret"
    secret_file.write_text(SECRETS[HARBOR] + "\n")
    secret_file.chmod(0o600)
    changes: dict[str, dict[str, Any]] = {
        HARBOR: {"client_id": CLIENT_IDS[HARBOR], "client_secret": None,
                 "client_secret_file": str(secret_file)},
        AGENCY: {"client_id": CLIENT_IDS[AGENCY], "client_secret": SECRETS[AGENCY]}}
    with accounts_stack(tmp_path, changes=changes, more=lake,
                        sim_args=["--clients", str(sim_clients(tmp_path))]) as (stack, path):
        url, said = stack.url, []
        assert get(url, "/menu/harbor", HARBOR_KEY).status_code == 200
        assert get(url, "/menu/taqueria", AGENCY_KEY).status_code == 200
        fault(stack.sim, CLIENT_IDS[AGENCY], "429", retryAfter=2)
        wait_for(lambda: [x for x in json_lines(stack.relay.output())
                          if x.get("account") == AGENCY and "429" in str(x)],
                 what="the agency's 429 logged")
        refusals = [
            get(url, "/menu/lake", LAKE_KEY),  # its login refused
            get(url, "/toast/menus/v2/metadata", AGENCY_KEY, restaurant="taqueria"),  # 429
            get(url, "/menu/taqueria", HARBOR_KEY), get(url, "/menu/harbor", "wrong-key-1"),
            get(url, "/admin/status", HARBOR_KEY),
            httpx.post(f"{url}/admin/reload", headers={"X-API-Key": HARBOR_ADMIN}, timeout=30),
            httpx.post(f"{url}/webhooks/toast/{HARBOR}", headers={"X-API-Key": HARBOR_KEY},
                       timeout=30, content=toast_webhook(
                           AGENCY_HOOK, "menus", "menus_updated",
                           {"restaurantGuid": RESTAURANTS[HARBOR]["harbor"]})[0]),
        ]
        assert all(r.status_code >= 400 for r in refusals), [r.status_code for r in refusals]
        fault(stack.sim, CLIENT_IDS[AGENCY], "off")
        fault(stack.sim, CLIENT_IDS[AGENCY], "401")
        wait_for(lambda: [x for x in json_lines(stack.relay.output())
                          if x.get("account") == AGENCY and "401" in str(x)],
                 what="the agency's refused login logged")
        path.write_text(path.read_text() + '\n[accounts.broken]\nclient_secret = "x"\n')
        refusals.append(httpx.post(f"{url}/admin/reload", timeout=30,
                                   headers={"X-API-Key": GLOBAL_ADMIN}))
        fault(stack.sim, None, "off")
        tokens = [token_of(stack.sim, n) for n in (HARBOR, AGENCY)]
        for key in (GLOBAL_ADMIN, HARBOR_ADMIN, AGENCY_ADMIN):
            said.append(httpx.get(f"{url}/admin/status", headers={"X-API-Key": key},
                                  timeout=30).text)
        said += [httpx.get(f"{url}{p}", timeout=30).text
                 for p in ("/metrics", "/readyz", "/openapi.json")]
        said += [r.text + str(r.headers) for r in refusals]
    log = stack.relay.log_path.read_text(errors="replace")  # shutdown lines too
    everything = "\n".join([*said, log])
    assert "toast_rate_limited" in everything and "toast_auth_failed" in everything
    unnamed = [line for line in json_lines(log) if line["level"] in ("warning", "error")
               and line["logger"].startswith(("app.toast", "toast_relay.")) and
               "account" not in line]
    assert not unnamed, unnamed[:3]
    for secret in (*SECRETS.values(), WRONG_SECRET, HARBOR_HOOK, AGENCY_HOOK, GLOBAL_ADMIN,
                   HARBOR_ADMIN, AGENCY_ADMIN, HARBOR_KEY, AGENCY_KEY, LAKE_KEY, *tokens):
        assert secret not in everything, f"{secret[:6]}… appears"
    for token in tokens:  # nor a recognisable piece of one (its signature)
        assert token.rsplit(".", 1)[-1] not in everything
