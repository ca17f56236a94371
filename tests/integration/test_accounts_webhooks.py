"""Toast webhooks per account over real sockets: each account's endpoint takes only its own
secrets and its own restaurants; /webhooks/toast is the account `default`'s."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.accounts import (
    AGENCY,
    AGENCY_HOOK,
    DEFAULT_HOOK,
    DEFAULT_KEY,
    HARBOR,
    HARBOR_HOOK,
    HARBOR_KEY,
    RESTAURANTS,
    accounts_stack,
    get,
    json_lines,
)
from tests.support.sim_calls import endpoint_count
from tests.support.stack import RunningStack
from tests.support.waits import stays, wait_for
from tests.support.webhooks import toast_webhook

pytestmark = pytest.mark.integration
HARBOR_GUID = RESTAURANTS[HARBOR]["harbor"]
TAQUERIA = RESTAURANTS[AGENCY]["taqueria"]
HOURLY = {"refresh_interval": "1h", "stock_interval": "1h"}
"""Polling an hour apart: a fetch within the test came by webhook."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with accounts_stack(tmp_path_factory.mktemp("hooks"),
                        changes={HARBOR: HOURLY, AGENCY: HOURLY}) as (running, _):
        for guid in (*RESTAURANTS[HARBOR].values(), *RESTAURANTS[AGENCY].values()):
            wait_for(partial(loaded_once, running.sim, guid), what=f"the first load of {guid}")
        yield running


def loaded_once(sim_url: str, guid: str) -> bool:
    return endpoint_count(sim_url, "menus", guid) == 1


def refusals_logged(stack: RunningStack, account: str) -> list[dict[str, Any]]:
    """The relay's log lines about a failed signature check, logged under ``account``."""
    return [x for x in json_lines(stack.relay.output())
            if "signature" in x["msg"].lower() and x.get("account") == account]


def publish(sim_url: str, guid: str) -> str:
    """Bump the restaurant's menus at the simulator; the publish date a webhook carries."""
    r = httpx.post(f"{sim_url}/_sim/publish/{guid}", json={}, timeout=10)
    r.raise_for_status()
    return str(r.json()["lastUpdated"]).replace("+0000", "Z")


def post(url: str, path: str, secret: str, guid: str, published: str = "2026-01-01T00:00:00Z"
         ) -> httpx.Response:
    body, headers = toast_webhook(secret, "menus", "menus_updated",
                                  {"restaurantGuid": guid, "publishedDate": published})
    return httpx.post(f"{url}{path}", content=body, headers=headers, timeout=30)


def test_an_accounts_webhook_signed_with_its_secret_fetches(stack: RunningStack) -> None:
    """menus_updated at /webhooks/toast/harbor-group signed with its secret: accepted, one
    /menus fetch of that restaurant, the new copy served."""
    before = endpoint_count(stack.sim, "menus", HARBOR_GUID)
    etag = get(stack.url, "/menu/harbor", HARBOR_KEY).headers["etag"]
    r = post(stack.url, f"/webhooks/toast/{HARBOR}", HARBOR_HOOK, HARBOR_GUID,
             publish(stack.sim, HARBOR_GUID))
    assert r.status_code == 200 and r.json()["result"] == "accepted", r.text
    wait_for(lambda: endpoint_count(stack.sim, "menus", HARBOR_GUID) == before + 1,
             what="the webhook's fetch")
    wait_for(lambda: get(stack.url, "/menu/harbor", HARBOR_KEY).headers["etag"] != etag,
             what="the new copy served")


def test_another_accounts_secret_is_refused(stack: RunningStack) -> None:
    """The agency's secret at the harbor group's endpoint (and the reverse) is refused as a
    bad signature naming the account's own secrets, logged under its name, and nothing is
    fetched."""
    before = endpoint_count(stack.sim, "menus", None)
    for name, secret, guid in ((HARBOR, AGENCY_HOOK, HARBOR_GUID),
                               (AGENCY, HARBOR_HOOK, TAQUERIA)):
        r = post(stack.url, f"/webhooks/toast/{name}", secret, guid)
        assert r.status_code == 401, (name, r.text)
        assert f"webhook_secrets of account '{name}'" in r.json()["detail"]
        assert secret not in r.text
        logged = wait_for(partial(refusals_logged, stack, name),
                          what=f"the refusal logged under {name}")
        assert f"/webhooks/toast/{name}" in logged[0]["msg"]
    stays(lambda: endpoint_count(stack.sim, "menus", None) == before, 1.5,
          "no fetch after refused webhooks")


def test_an_event_for_another_accounts_restaurant_is_ignored(stack: RunningStack) -> None:
    """An event for the agency's restaurant at the harbor group's endpoint, signed with the
    harbor group's secret: 200 "ignored" and no call to Toast."""
    publish(stack.sim, TAQUERIA)
    before = endpoint_count(stack.sim, "menus", None)
    r = post(stack.url, f"/webhooks/toast/{HARBOR}", HARBOR_HOOK, TAQUERIA)
    assert r.status_code == 200 and r.json()["result"] == "ignored", r.text
    stays(lambda: endpoint_count(stack.sim, "menus", None) == before, 1.5,
          "no fetch for an ignored event")


def test_unknown_account_and_missing_default_are_404(stack: RunningStack) -> None:
    """/webhooks/toast/<unknown> is 404, and /webhooks/toast is 404 when TOAST_* describe no
    account `default`."""
    unknown = post(stack.url, "/webhooks/toast/nobody", HARBOR_HOOK, HARBOR_GUID)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    assert "RELAY_ACCOUNTS_FILE" in unknown.json()["detail"]
    missing = post(stack.url, "/webhooks/toast", HARBOR_HOOK, HARBOR_GUID)
    assert missing.status_code == 404 and "/webhooks/toast/{account}" in missing.text


def test_webhooks_toast_is_the_default_accounts(tmp_path: Path) -> None:
    """With `default` from TOAST_* beside the agency, /webhooks/toast takes the default's
    secret for its restaurant and refuses the agency's; /webhooks/toast/default is the same."""
    with accounts_stack(tmp_path, (AGENCY,), default=True,
                        RELAY_REFRESH_INTERVAL="1h", RELAY_STOCK_INTERVAL="1h") as (stack, _):
        etag = get(stack.url, "/menu/harbor", DEFAULT_KEY).headers["etag"]
        refused = post(stack.url, "/webhooks/toast", AGENCY_HOOK, HARBOR_GUID)
        assert refused.status_code == 401
        ignored = post(stack.url, "/webhooks/toast", DEFAULT_HOOK, TAQUERIA)
        assert ignored.status_code == 200 and ignored.json()["result"] == "ignored"
        r = post(stack.url, "/webhooks/toast", DEFAULT_HOOK, HARBOR_GUID,
                 publish(stack.sim, HARBOR_GUID))
        assert r.status_code == 200 and r.json()["result"] == "accepted", r.text
        wait_for(lambda: get(stack.url, "/menu/harbor", DEFAULT_KEY).headers["etag"] != etag,
                 what="the default account's new copy")
        again = post(stack.url, "/webhooks/toast/default", DEFAULT_HOOK, HARBOR_GUID)
        assert again.status_code == 200
