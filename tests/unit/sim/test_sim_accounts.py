"""Several API clients in one simulator: each its own restaurants, faults and counters."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from app.sim.large import build_large_menu
from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_GROUP_GUID,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
    agency_restaurants,
)
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers

AGENCY = {"clientId": AGENCY_CLIENT_ID, "clientSecret": AGENCY_CLIENT_SECRET,
          "userAccessType": "TOAST_MACHINE_CLIENT"}


async def _login(client: httpx.AsyncClient, body: dict[str, str]) -> str:
    r = await client.post(LOGIN, json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["token"]["accessToken"])


async def _fault(sim: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await sim.post("/_sim/fault", json=body)


def test_agency_restaurants_are_small_and_in_their_own_group() -> None:
    """The agency's taqueria and bakery have menus, and a management group of their own."""
    seeds = agency_restaurants()
    assert [s.guid for s in seeds] == [AGENCY_TAQUERIA_GUID, AGENCY_BAKERY_GUID]
    for seed in seeds:
        assert seed.menus is not None and seed.menus["menus"]
        assert seed.info["general"]["managementGroupGuid"] == AGENCY_GROUP_GUID


async def test_each_client_reads_only_its_own_restaurants(client: httpx.AsyncClient) -> None:
    """The demo client gets 403 on the agency's restaurants and the agency on the demo's."""
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    meta = "/menus/v2/metadata"
    assert (await client.get(meta, headers=headers(agency, AGENCY_TAQUERIA_GUID))
            ).status_code == 200
    assert (await client.get(meta, headers=headers(agency, SAMPLE_RESTAURANT_GUID))
            ).status_code == 403
    assert (await client.get(meta, headers=headers(demo, AGENCY_BAKERY_GUID))).status_code == 403
    assert (await client.get(meta, headers=headers(demo))).status_code == 200


async def test_partners_and_group_lists_show_only_the_clients_restaurants(
        client: httpx.AsyncClient) -> None:
    """The partners API and the group list name the agency's two restaurants, nothing else."""
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    rows = (await client.get("/partners/v1/restaurants",
                             headers={"Authorization": f"Bearer {agency}"})).json()
    assert {r["restaurantGuid"] for r in rows} == {AGENCY_TAQUERIA_GUID, AGENCY_BAKERY_GUID}
    demo_rows = (await client.get("/partners/v1/restaurants",
                                  headers={"Authorization": f"Bearer {demo}"})).json()
    assert {r["restaurantGuid"] for r in demo_rows} == {SAMPLE_RESTAURANT_GUID,
                                                         SECOND_RESTAURANT_GUID}
    group = await client.get(f"/restaurants/v1/groups/{AGENCY_GROUP_GUID}/restaurants",
                             headers=headers(agency, AGENCY_BAKERY_GUID))
    assert {r["guid"] for r in group.json()} == {AGENCY_TAQUERIA_GUID, AGENCY_BAKERY_GUID}


async def test_a_clients_429_fault_leaves_other_clients_alone(client: httpx.AsyncClient) -> None:
    """A 429 fault naming the agency refuses its calls only; the demo client is served."""
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    r = await _fault(client, endpoint="*", mode="429", client=AGENCY_CLIENT_ID, retryAfter=7)
    assert r.json()[0]["client"] == AGENCY_CLIENT_ID
    limited = await client.get("/menus/v2/menus", headers=headers(agency, AGENCY_TAQUERIA_GUID))
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert (await client.get("/menus/v2/menus", headers=headers(demo))).status_code == 200


async def test_a_clients_401_fault_refuses_its_logins_and_calls(
        client: httpx.AsyncClient) -> None:
    """A 401 fault for the agency: its login and its token are refused, the demo's are not."""
    agency = await _login(client, AGENCY)
    await _fault(client, endpoint="*", mode="401", client=AGENCY_CLIENT_ID)
    refused = await client.post(LOGIN, json=AGENCY)
    assert refused.status_code == 401
    assert AGENCY_CLIENT_SECRET not in refused.text
    call = await client.get("/menus/v2/metadata", headers=headers(agency, AGENCY_TAQUERIA_GUID))
    assert call.status_code == 401
    demo = await _login(client, CREDENTIALS)
    assert (await client.get("/menus/v2/metadata", headers=headers(demo))).status_code == 200


async def test_a_clients_garbage_fault_spoils_only_its_answers(
        client: httpx.AsyncClient) -> None:
    """broken_json for the demo client cuts its answers; the agency's stay whole JSON."""
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    await _fault(client, endpoint="metadata", mode="broken_json", client=SAMPLE_CLIENT_ID)
    agency_meta = await client.get("/menus/v2/metadata",
                                   headers=headers(agency, AGENCY_BAKERY_GUID))
    assert agency_meta.json()["restaurantGuid"] == AGENCY_BAKERY_GUID
    cut = await client.get("/menus/v2/metadata", headers=headers(demo))
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(cut.content)


async def test_a_fault_for_everyone_still_applies_to_every_client(
        client: httpx.AsyncClient) -> None:
    """Without a client a fault hits every client, as before clients could be named."""
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    await _fault(client, endpoint="metadata", mode="503")
    assert (await client.get("/menus/v2/metadata", headers=headers(demo))).status_code == 503
    assert (await client.get("/menus/v2/metadata", headers=headers(agency, AGENCY_BAKERY_GUID))
            ).status_code == 503


async def test_off_clears_one_clients_faults_or_everyones(client: httpx.AsyncClient) -> None:
    """``*`` + off with a client drops that client's faults only; without one, all of them."""
    await _fault(client, endpoint="menus", mode="500", client=AGENCY_CLIENT_ID)
    await _fault(client, endpoint="stock", mode="500", client=AGENCY_CLIENT_ID)
    await _fault(client, endpoint="menus", mode="500", client=SAMPLE_CLIENT_ID)
    await _fault(client, endpoint="menus", mode="503")
    left = (await _fault(client, endpoint="*", mode="off", client=AGENCY_CLIENT_ID)).json()
    assert sorted((f["client"] or "", f["mode"]) for f in left) == [
        ("", "503"), (SAMPLE_CLIENT_ID, "500")]
    assert (await _fault(client, endpoint="*", mode="off")).json() == []


async def test_a_fault_for_an_unknown_client_is_refused(client: httpx.AsyncClient) -> None:
    """A fault naming no client the simulator knows is a 400 listing the clients."""
    r = await _fault(client, endpoint="*", mode="500", client="nobody")
    assert r.status_code == 400
    assert AGENCY_CLIENT_ID in r.json()["detail"] and "nobody" in r.json()["detail"]
    assert (await _fault(client, endpoint="*", mode="500", client=3)).status_code == 400


async def test_calls_are_counted_per_client(client: httpx.AsyncClient) -> None:
    """/_sim/calls by_client: each client's logins, calls per endpoint, statuses and tokens."""
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    await _login(client, AGENCY)  # the same token again: a login, no new token
    await client.get("/menus/v2/menus", headers=headers(agency, AGENCY_TAQUERIA_GUID))
    await client.get("/menus/v2/menus", headers=headers(agency, AGENCY_TAQUERIA_GUID))
    await client.get("/menus/v2/metadata", headers=headers(demo))
    await client.get("/menus/v2/metadata", headers=headers("not-a-token"))
    calls = (await client.get("/_sim/calls")).json()
    assert calls["by_client"][AGENCY_CLIENT_ID] == {
        "calls": {"login": 2, "menus": 2}, "total": 4, "tokens_issued": 1,
        "statuses": {"login": {"200": 2}, "menus": {"200": 1, "429": 1}}}
    assert calls["by_client"][SAMPLE_CLIENT_ID]["calls"] == {"login": 1, "metadata": 1}
    assert set(calls["by_client"]) == {AGENCY_CLIENT_ID, SAMPLE_CLIENT_ID}
    assert calls["calls"] == {"login": 3, "menus": 2, "metadata": 2}
    assert calls["tokens_issued"] == 2 and calls["unauthorized_calls"] == 1


async def test_a_login_with_a_wrong_secret_counts_for_its_client(
        client: httpx.AsyncClient) -> None:
    """A refused login is counted under the client it names; an unknown id under none."""
    await client.post(LOGIN, json={**AGENCY, "clientSecret": "wrong"})
    await client.post(LOGIN, json={**AGENCY, "clientId": "no-such-client"})
    calls = (await client.get("/_sim/calls")).json()
    assert calls["by_client"] == {AGENCY_CLIENT_ID: {
        "calls": {"login": 1}, "total": 1, "tokens_issued": 0,
        "statuses": {"login": {"401": 1}}}}


async def test_a_fleet_over_one_clients_restaurants_stays_that_clients(
        client: httpx.AsyncClient) -> None:
    """/_sim/fleet with guids serves its menu there, readable by their own client alone."""
    r = await client.post("/_sim/fleet", json={"guids": [AGENCY_TAQUERIA_GUID.upper()],
                                               "items": 40, "modifierGroups": 2})
    assert r.status_code == 200 and r.json()["guids"] == [AGENCY_TAQUERIA_GUID]
    demo, agency = await _login(client, CREDENTIALS), await _login(client, AGENCY)
    menus = await client.get("/menus/v2/menus", headers=headers(agency, AGENCY_TAQUERIA_GUID))
    assert menus.status_code == 200
    assert menus.json()["menus"] == orjson.loads(orjson.dumps(build_large_menu(40, 2, 1)))["menus"]
    assert (await client.get("/menus/v2/metadata", headers=headers(demo, AGENCY_TAQUERIA_GUID))
            ).status_code == 403
    both = await client.post("/_sim/fleet", json={"count": 1, "guids": [AGENCY_BAKERY_GUID]})
    bad = await client.post("/_sim/fleet", json={"guids": ["not-a-guid"]})
    assert both.status_code == 400 and "not both" in both.json()["detail"]
    assert bad.status_code == 400 and "guids" in bad.json()["detail"]
