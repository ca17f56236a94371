"""Control endpoints: publishing price changes, replacing stock, loading a large menu."""

from __future__ import annotations

from typing import Any

import httpx

from app.clock import FakeClock
from app.sim.menu_walk import find_items
from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.sim_auth import headers

PUBLISH = f"/_sim/publish/{SAMPLE_RESTAURANT_GUID}"


async def _menus(client: httpx.AsyncClient, token: str, clock: FakeClock) -> dict[str, Any]:
    await clock.advance(1.0)  # stay inside the 1 /menus per second limit
    r = await client.get("/menus/v2/menus", headers=headers(token))
    assert r.status_code == 200
    doc: dict[str, Any] = r.json()
    return doc


async def test_publish_without_body_bumps_last_updated(client: httpx.AsyncClient, token: str,
                                                       clock: FakeClock) -> None:
    """A bare publish moves lastUpdated forward in metadata and menus, even if time stood still."""
    before = (await client.get("/menus/v2/metadata", headers=headers(token))).json()
    first = (await client.post(PUBLISH)).json()
    second = (await client.post(PUBLISH)).json()
    meta = (await client.get("/menus/v2/metadata", headers=headers(token))).json()
    assert before["lastUpdated"] < first["lastUpdated"] < second["lastUpdated"]
    assert meta["lastUpdated"] == second["lastUpdated"]
    assert (await _menus(client, token, clock))["lastUpdated"] == second["lastUpdated"]


async def test_publish_price_by_guid_changes_every_occurrence(
        client: httpx.AsyncClient, token: str, clock: FakeClock) -> None:
    """A price published by itemGuid appears on every occurrence of that item."""
    doc = await _menus(client, token, clock)
    avocado = find_items(doc, name="Avocado Toast")
    assert len(avocado) == 2
    r = await client.post(PUBLISH, json={"itemGuid": avocado[0]["guid"], "price": 9.5})
    assert r.json()["changed"] == 2
    after = find_items(await _menus(client, token, clock), guid=avocado[0]["guid"])
    assert [i["price"] for i in after] == [9.5, 9.5]


async def test_publish_price_by_name_updates_time_rule_base(
        client: httpx.AsyncClient, token: str, clock: FakeClock) -> None:
    """By itemName, case-insensitively; a time-priced item's basePrice follows its price."""
    await client.post(PUBLISH, json={"itemName": "happy hour wings", "price": 15.0})
    wings = find_items(await _menus(client, token, clock), name="Happy Hour Wings")[0]
    assert wings["price"] == 15.0
    assert wings["pricingRules"]["timeSpecificPricingRules"][0]["basePrice"] == 15.0


async def test_publish_refuses_unknown_and_size_priced_items(client: httpx.AsyncClient) -> None:
    """An unknown item is 404; a SIZE_PRICE item has no single price to set (400)."""
    before = await client.post(PUBLISH)
    unknown = await client.post(PUBLISH, json={"itemName": "Unicorn Steak", "price": 1})
    sized = await client.post(PUBLISH, json={"itemName": "Fries", "price": 1})
    bad = await client.post(PUBLISH, json={"itemName": "Fries", "price": "cheap"})
    assert (unknown.status_code, sized.status_code, bad.status_code) == (404, 400, 400)
    assert set(unknown.json()) == {"error", "detail"}
    again = await client.post(PUBLISH)
    assert again.json()["lastUpdated"] > before.json()["lastUpdated"]


async def test_publish_unknown_restaurant_is_404(client: httpx.AsyncClient) -> None:
    """Publishing for a restaurant the sim does not have is 404."""
    r = await client.post("/_sim/publish/11111111-2222-3333-4444-555555555555")
    assert r.status_code == 404


async def test_stock_replace(client: httpx.AsyncClient, token: str, clock: FakeClock) -> None:
    """/_sim/stock replaces the stock; IN_STOCK rows vanish and unknown GUIDs are INVALID."""
    doc = await _menus(client, token, clock)
    fries = find_items(doc, name="Fries")[0]["guid"]
    burger = find_items(doc, name="Harbor Burger")[0]["guid"]
    ghost = "99999999-8888-7777-6666-555555555555"
    r = await client.post(f"/_sim/stock/{SAMPLE_RESTAURANT_GUID}", json=[
        {"guid": fries, "status": "QUANTITY", "quantity": 3},
        {"guid": burger, "status": "IN_STOCK", "quantity": None},
        {"guid": ghost, "status": "QUANTITY", "quantity": 1}])
    assert r.status_code == 200
    rows = {row["guid"]: row for row in
            (await client.get("/stock/v1/inventory", headers=headers(token))).json()}
    assert set(rows) == {fries, ghost}
    assert rows[fries]["quantity"] == 3.0
    assert (rows[ghost]["status"], rows[ghost]["itemGuidValidity"]) == ("OUT_OF_STOCK",
                                                                        "INVALID")


async def test_stock_replace_validates_rows(client: httpx.AsyncClient) -> None:
    """A bad status or a QUANTITY row without quantity is 400."""
    url = f"/_sim/stock/{SAMPLE_RESTAURANT_GUID}"
    bad_status = await client.post(url, json=[{"guid": "x", "status": "GONE"}])
    no_qty = await client.post(url, json=[{"guid": "x", "status": "QUANTITY"}])
    assert (bad_status.status_code, no_qty.status_code) == (400, 400)


async def test_large_menu_loads_for_a_new_restaurant(client: httpx.AsyncClient,
                                                     token: str) -> None:
    """/_sim/large creates a readable restaurant serving the generated menu."""
    guid = "abcdefab-1234-4321-abcd-abcdefabcdef"
    r = await client.post(f"/_sim/large/{guid}", json={"items": 200, "modifierGroups": 40,
                                                       "seed": 7})
    assert r.status_code == 200 and r.json()["bytes"] > 100_000
    doc = (await client.get("/menus/v2/menus", headers=headers(token, guid))).json()
    assert doc["restaurantGuid"] == guid
    assert len(doc["modifierGroupReferences"]) >= 40


async def test_fleet_adds_restaurants_serving_one_menu(client: httpx.AsyncClient, token: str,
                                                       clock: FakeClock) -> None:
    """/_sim/fleet adds N readable restaurants with the same items; a publish bumps only one."""
    r = await client.post("/_sim/fleet", json={"count": 3, "items": 30, "modifierGroups": 2})
    guids = r.json()["guids"]
    assert r.status_code == 200 and len(set(guids)) == 3
    docs = []
    for guid in guids:
        await clock.advance(1.0)
        menus = await client.get("/menus/v2/menus", headers=headers(token, guid))
        assert menus.status_code == 200
        docs.append(menus.json())
    assert [d["restaurantGuid"] for d in docs] == guids
    assert docs[0]["menus"] == docs[2]["menus"]
    await client.post(f"/_sim/publish/{guids[1]}")
    meta = [(await client.get("/menus/v2/metadata", headers=headers(token, g))).json()
            for g in guids]
    assert meta[0]["lastUpdated"] == meta[2]["lastUpdated"] < meta[1]["lastUpdated"]
    bad = await client.post("/_sim/fleet", json={"count": 0})
    assert bad.status_code == 400 and "count" in bad.json()["detail"]
