"""Admin routes with two accounts: status grouped by account, each account's admin key
confined to its own restaurants and screens, RELAY_ADMIN_KEY seeing all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.api.admin_status import PROBLEMS_SHOWN, problems
from app.serve.status import RestaurantFacts
from app.sim.sample import AGENCY_TAQUERIA_GUID, SAMPLE_RESTAURANT_GUID
from tests.support.accounts import AGENCY, AGENCY_ADMIN, RESTAURANTS, two_accounts
from tests.support.in_process_relay import ADMIN, Open, Stack

GLOBAL = {"X-API-Key": ADMIN}
AS_AGENCY = {"X-API-Key": AGENCY_ADMIN}


@pytest.fixture
async def accounts(open_relay: Open) -> AsyncIterator[Stack]:
    async with open_relay(accounts=two_accounts) as opened:
        yield opened


async def answered(stack: Stack, method: str, path: str,
                   key: dict[str, str]) -> httpx.Response:
    """The answer, the fake clock advancing meanwhile (a refresh waits for Toast's
    one-/menus-per-second-per-location spacing on it)."""
    task = asyncio.ensure_future(stack.client.request(method, path, headers=key))
    while not task.done():
        await stack.clock.advance(1)
        await asyncio.sleep(0)
    return await task


async def status(client: httpx.AsyncClient, key: dict[str, str]) -> dict[str, Any]:
    r = await client.get("/admin/status", headers=key)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_global_admin_sees_every_account_grouped(accounts: Stack) -> None:
    """RELAY_ADMIN_KEY: ``accounts`` holds both, the summary and page cover all four
    restaurants (each entry naming its account), top-level parts are the default's."""
    body = await status(accounts.client, GLOBAL)
    assert list(body["accounts"]) == ["default", "agency"]
    assert {n: a["restaurants"] for n, a in body["accounts"].items()} == {
        "default": 2, "agency": 2}
    assert body["summary"]["total"] == 4 and body["page"]["matching"] == 4
    owners = {e["restaurant"]: e["account"] for e in body["restaurants"]}
    assert owners[SAMPLE_RESTAURANT_GUID] == "default"
    assert owners[AGENCY_TAQUERIA_GUID] == "agency"
    assert body["token"] == body["accounts"]["default"]["token"]
    assert body["upstream"] == body["accounts"]["default"]["upstream"]
    agency = body["accounts"]["agency"]
    for part in ("token", "readiness", "summary", "upstream", "budget", "state", "webhooks"):
        assert part in agency, part
    assert agency["summary"]["total"] == 2 and agency["webhooks"] == {"enabled": False}


async def test_account_admin_sees_only_its_account(accounts: Stack) -> None:
    """An account's admin key: only its account in ``accounts``, the summary and the list,
    and the top-level token, readiness, upstream and budget are its account's."""
    body = await status(accounts.client, AS_AGENCY)
    assert list(body["accounts"]) == ["agency"]
    assert {e["restaurant"] for e in body["restaurants"]} == set(RESTAURANTS[AGENCY].values())
    assert {e["account"] for e in body["restaurants"]} == {"agency"}
    assert body["summary"]["total"] == 2
    mine = body["accounts"]["agency"]
    for part in ("token", "readiness", "upstream", "budget", "state", "webhooks"):
        assert body[part] == mine[part], part
    assert SAMPLE_RESTAURANT_GUID not in str(body)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/admin/status/{}"), ("GET", "/admin/changes/{}"), ("POST", "/admin/refresh/{}")])
async def test_account_admin_gets_403_on_another_accounts_restaurant(
        accounts: Stack, method: str, path: str) -> None:
    """An account's admin key is 403 on another account's restaurant, by alias or GUID,
    and 200 on its own; RELAY_ADMIN_KEY is 200 on both."""
    for ref in ("harbor", SAMPLE_RESTAURANT_GUID):
        r = await answered(accounts, method, path.format(ref), AS_AGENCY)
        assert r.status_code == 403 and r.json()["error"] == "forbidden", (ref, r.text)
        assert SAMPLE_RESTAURANT_GUID not in r.text
    for key, ref in ((AS_AGENCY, "taqueria"), (GLOBAL, "taqueria"), (GLOBAL, "harbor")):
        r = await answered(accounts, method, path.format(ref), key)
        assert r.status_code == 200, (key, ref, r.text)


async def test_restaurant_entry_names_its_account(accounts: Stack) -> None:
    """/admin/status/{restaurant} and POST /admin/refresh name the restaurant's account."""
    one = await accounts.client.get("/admin/status/taqueria", headers=AS_AGENCY)
    assert one.json()["account"] == "agency"
    refreshed = await answered(accounts, "POST", "/admin/refresh/harbor", GLOBAL)
    assert refreshed.json()["account"] == "default"


def screen(restaurant: str | None) -> dict[str, Any]:
    return {"restaurant": restaurant, "title": "Drinks"}


async def test_account_admin_manages_only_its_accounts_screens(accounts: Stack) -> None:
    """An account's admin key writes, reads, lists and deletes screens of its restaurants
    only: another account's, and chain-wide ones, are 403 (and left out of the list)."""
    client = accounts.client
    assert (await client.put("/admin/screens/tacos", json=screen("taqueria"),
                             headers=AS_AGENCY)).status_code == 200
    for name, definition in (("harbor-drinks", screen("harbor")), ("everywhere", screen(None))):
        refused = await client.put(f"/admin/screens/{name}", json=definition, headers=AS_AGENCY)
        assert refused.status_code == 403, refused.text
        assert (await client.put(f"/admin/screens/{name}", json=definition,
                                 headers=GLOBAL)).status_code == 200
    listed = (await client.get("/admin/screens", headers=AS_AGENCY)).json()["screens"]
    assert [s["screen"] for s in listed] == ["tacos"]
    every = (await client.get("/admin/screens", headers=GLOBAL)).json()["screens"]
    assert {s["screen"] for s in every} == {"tacos", "harbor-drinks", "everywhere"}
    for name in ("harbor-drinks", "everywhere"):
        assert (await client.get(f"/admin/screens/{name}", headers=AS_AGENCY)).status_code == 403
        assert (await client.delete(f"/admin/screens/{name}",
                                    headers=AS_AGENCY)).status_code == 403
    # Taking over another account's screen name with one's own restaurant is refused too.
    takeover = await client.put("/admin/screens/harbor-drinks", json=screen("taqueria"),
                                headers=AS_AGENCY)
    assert takeover.status_code == 403
    assert (await client.get("/admin/screens/tacos", headers=AS_AGENCY)).status_code == 200
    assert (await client.delete("/admin/screens/tacos", headers=AS_AGENCY)).status_code == 204
    assert (await client.delete("/admin/screens/everywhere", headers=GLOBAL)).status_code == 204


async def test_openapi_documents_accounts_in_the_status(accounts: Stack) -> None:
    """/openapi.json documents ``accounts`` in /admin/status, with an example entry."""
    doc = (await accounts.client.get("/openapi.json")).json()
    schema = doc["components"]["schemas"]["AdminStatus"]
    assert "accounts" in schema["required"]
    answer = doc["paths"]["/admin/status"]["get"]["responses"]["200"]["content"]
    assert "default" in answer["application/json"]["example"]["accounts"]


def test_an_accounts_problems_are_listed_under_it() -> None:
    """Each account lists its first ten problem restaurants by GUID, with their errors; the
    ok ones are left out."""
    facts = [RestaurantFacts(f"00000000-0000-4000-8000-{i:012d}", stale=True,
                             last_error="Toast answered 429") for i in range(12, 0, -1)]
    facts.append(RestaurantFacts("00000000-0000-4000-8000-000000000000", stale=False))
    listed = problems(facts)
    assert len(listed) == PROBLEMS_SHOWN == 10
    assert listed[0] == {"restaurant": "00000000-0000-4000-8000-000000000001", "name": None,
                         "state": "stale", "lastError": "Toast answered 429",
                         "stockError": None}
