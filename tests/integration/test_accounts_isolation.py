"""Two accounts in one relay process against the simulator's two clients, over real sockets:
one login each, each served with its own keys, and no key reading the other's restaurants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import AGENCY_CLIENT_ID, SAMPLE_CLIENT_ID
from tests.support.accounts import (
    AGENCY,
    AGENCY_KEY,
    CLIENTS,
    DEFAULT_KEY,
    GLOBAL_ADMIN,
    HARBOR,
    HARBOR_ADMIN,
    HARBOR_KEY,
    KEYS,
    RESTAURANTS,
    accounts_stack,
    by_client,
    get,
    logins,
)
from tests.support.stack import RunningStack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
TAQUERIA = RESTAURANTS[AGENCY]["taqueria"]
HARBOR_GUID = RESTAURANTS[HARBOR]["harbor"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Both accounts from the file, no TOAST_* at all, and a stored screen of the agency's."""
    with accounts_stack(tmp_path_factory.mktemp("accounts")) as (running, _):
        put = httpx.put(f"{running.url}/admin/screens/tacos",
                        json={"restaurant": "taqueria", "available": "all"},
                        headers={"X-API-Key": GLOBAL_ADMIN}, timeout=30)
        assert put.status_code == 200, put.text
        yield running


def test_each_account_logs_in_once_and_serves_its_restaurants(stack: RunningStack) -> None:
    """Each account's restaurants answer its own key by alias and by GUID, and each
    simulated client saw exactly one login."""
    for name, restaurants in RESTAURANTS.items():
        for alias, guid in restaurants.items():
            for ref in (alias, guid):
                r = get(stack.url, f"/menu/{ref}", KEYS[name])
                assert r.status_code == 200, (name, ref, r.text)
                assert r.json()["restaurant"]["guid"] == guid
    listed = get(stack.url, "/restaurants", AGENCY_KEY).json()
    assert {r["guid"] for r in listed["restaurants"]} == set(RESTAURANTS[AGENCY].values())
    assert logins(stack.sim, SAMPLE_CLIENT_ID) == 1
    assert logins(stack.sim, AGENCY_CLIENT_ID) == 1


@pytest.mark.parametrize("path", [
    "/menu/{ref}", "/menu/{ref}/groups", "/board/{ref}", "/stock/{ref}", "/events/{ref}",
    "/toast/menus/v2/metadata?restaurant={ref}", "/toast/menus/v2/menus?restaurant={ref}",
])
def test_a_key_never_reads_the_other_accounts_restaurant(stack: RunningStack,
                                                         path: str) -> None:
    """A key of one account gets 403 on the other's restaurant, by alias and by GUID, on
    every screen route and the pass-through; the answer names no GUID; no client ever asks
    Toast for the other's restaurant."""
    for key, restaurants in ((HARBOR_KEY, RESTAURANTS[AGENCY]),
                             (AGENCY_KEY, RESTAURANTS[HARBOR])):
        for alias, guid in restaurants.items():
            for ref in (alias, guid):
                r = httpx.get(stack.url + path.format(ref=ref), headers={"X-API-Key": key},
                              timeout=30)
                assert r.status_code == 403, (path, ref, r.status_code, r.text)
                assert r.json()["error"] == "forbidden"
                for other in (*RESTAURANTS[HARBOR].values(), *RESTAURANTS[AGENCY].values()):
                    assert other not in r.text
    for client in CLIENTS.values():
        assert "403" not in str(by_client(stack.sim)[client]["statuses"])


def test_a_screen_of_one_account_refuses_the_other_accounts_key(stack: RunningStack) -> None:
    """/s/{screen} of the agency's restaurant: 200 for the agency's key, 403 naming no GUID
    for the harbor group's key."""
    for route in ("/s/tacos", "/s/tacos/menu"):
        assert get(stack.url, route, AGENCY_KEY).status_code == 200
        refused = get(stack.url, route, HARBOR_KEY)
        assert refused.status_code == 403 and TAQUERIA not in refused.text


def test_an_account_admin_key_manages_only_its_account(stack: RunningStack) -> None:
    """The harbor group's admin key refreshes its own restaurant, gets 403 on the agency's
    by alias and GUID, and may not reload the accounts file."""
    headers = {"X-API-Key": HARBOR_ADMIN}
    own = httpx.post(f"{stack.url}/admin/refresh/harbor", headers=headers, timeout=30)
    assert own.status_code == 200, own.text
    for ref in ("taqueria", TAQUERIA):
        r = httpx.post(f"{stack.url}/admin/refresh/{ref}", headers=headers, timeout=30)
        assert r.status_code == 403 and TAQUERIA not in r.text
    assert httpx.post(f"{stack.url}/admin/reload", headers=headers,
                      timeout=30).status_code == 403


def test_default_from_toast_variables_beside_a_file_account(tmp_path: Path) -> None:
    """TOAST_* make the account `default` beside the file's agency: one login per client,
    each key reads its own account's restaurants only."""
    with accounts_stack(tmp_path, (AGENCY,), default=True) as (running, _):
        url = running.url
        assert get(url, "/menu/harbor", DEFAULT_KEY).status_code == 200
        assert get(url, "/menu/taqueria", AGENCY_KEY).status_code == 200
        assert get(url, "/menu/harbor", AGENCY_KEY).status_code == 403
        assert get(url, f"/menu/{TAQUERIA}", DEFAULT_KEY).status_code == 403
        wait_for(lambda: all(logins(running.sim, c) == 1 for c in CLIENTS.values()),
                 what="one login per client")
        assert all(logins(running.sim, c) == 1 for c in CLIENTS.values())
