"""Data endpoints: token and restaurant checks, and the shapes of their answers."""

from __future__ import annotations

import httpx

from app.clock import FakeClock
from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    GROUP_GUID,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
    STANDARD_CLIENT_ID,
    STANDARD_CLIENT_SECRET,
)
from app.sim.state import SimState
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers

UNKNOWN_GUID = "11111111-2222-3333-4444-555555555555"


async def test_missing_token_is_401(client: httpx.AsyncClient, state: SimState) -> None:
    """A data call without Authorization is 401 with a Toast ErrorMessage."""
    r = await client.get("/menus/v2/metadata",
                         headers={"Toast-Restaurant-External-ID": SAMPLE_RESTAURANT_GUID})
    assert r.status_code == 401
    assert r.json()["status"] == "401" and "requestId" in r.json()
    assert state.counters.unauthorized_calls == 1


async def test_token_without_bearer_prefix_is_401(client: httpx.AsyncClient, token: str) -> None:
    """Toast enforces the word Bearer: a bare token is refused."""
    r = await client.get("/menus/v2/metadata", headers={
        "Authorization": token, "Toast-Restaurant-External-ID": SAMPLE_RESTAURANT_GUID})
    assert r.status_code == 401


async def test_unknown_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    """A token the sim never issued (or with a forged signature) is 401."""
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in ("not-a-token", forged):
        r = await client.get("/menus/v2/metadata", headers=headers(bad))
        assert r.status_code == 401


async def test_expired_token_is_401_and_counted(client: httpx.AsyncClient, token: str,
                                                clock: FakeClock, state: SimState) -> None:
    """A data call with an expired token is 401 and bumps expired_token_calls."""
    await clock.advance(86400)
    r = await client.get("/menus/v2/menus", headers=headers(token))
    assert r.status_code == 401
    calls = (await client.get("/_sim/calls")).json()
    assert calls["expired_token_calls"] == 1
    assert state.counters.expired_token_calls == 1


async def test_token_valid_until_its_last_second(client: httpx.AsyncClient, token: str,
                                                 clock: FakeClock) -> None:
    """An old token keeps working until exp even after a new one was issued."""
    await clock.advance(86400 - 30)
    await client.post("/authentication/v1/authentication/login", json={
        "clientId": "demo-client", "clientSecret": "demo-secret-not-for-production",
        "userAccessType": "TOAST_MACHINE_CLIENT"})
    r = await client.get("/menus/v2/metadata", headers=headers(token))
    assert r.status_code == 200


async def test_restaurant_header_missing_or_malformed_is_400(client: httpx.AsyncClient,
                                                             token: str) -> None:
    """Without a GUID in Toast-Restaurant-External-ID the answer is 400."""
    missing = await client.get("/menus/v2/metadata", headers={"Authorization": f"Bearer {token}"})
    malformed = await client.get("/menus/v2/metadata", headers=headers(token, "downtown"))
    assert missing.status_code == 400
    assert malformed.status_code == 400


async def test_forbidden_and_unknown_restaurants_are_403(client: httpx.AsyncClient,
                                                         token: str) -> None:
    """A restaurant the client may not read, or one Toast does not know, is 403."""
    for guid in (FORBIDDEN_RESTAURANT_GUID, UNKNOWN_GUID):
        r = await client.get("/menus/v2/menus", headers=headers(token, guid))
        assert r.status_code == 403
        assert r.json()["status"] == "403"


async def test_metadata_matches_menus_last_updated(client: httpx.AsyncClient, token: str) -> None:
    """Metadata carries the restaurant GUID and the same lastUpdated as the menus document."""
    meta = (await client.get("/menus/v2/metadata", headers=headers(token))).json()
    doc = (await client.get("/menus/v2/menus", headers=headers(token))).json()
    assert meta == {"restaurantGuid": SAMPLE_RESTAURANT_GUID, "lastUpdated": doc["lastUpdated"]}
    assert doc["restaurantTimeZone"] == "America/New_York"


async def test_header_guid_is_case_insensitive(client: httpx.AsyncClient, token: str) -> None:
    """An upper-case GUID names the same restaurant."""
    upper = headers(token, SAMPLE_RESTAURANT_GUID.upper())
    r = await client.get("/menus/v2/metadata", headers=upper)
    assert r.status_code == 200


async def test_no_published_menu_is_404(client: httpx.AsyncClient, token: str,
                                        state: SimState) -> None:
    """A readable restaurant that never published a menu answers 404 on menus and metadata."""
    state.restaurants[SECOND_RESTAURANT_GUID].menus = None
    for path in ("/menus/v2/menus", "/menus/v2/metadata"):
        r = await client.get(path, headers=headers(token, SECOND_RESTAURANT_GUID))
        assert r.status_code == 404


async def test_stock_lists_only_out_of_stock_and_quantity(client: httpx.AsyncClient,
                                                          token: str) -> None:
    """The stock API omits IN_STOCK items and sets quantity only for QUANTITY rows."""
    rows = (await client.get("/stock/v1/inventory", headers=headers(token))).json()
    assert {r["status"] for r in rows} == {"OUT_OF_STOCK", "QUANTITY"}
    for row in rows:
        assert (row["quantity"] is not None) == (row["status"] == "QUANTITY")
        assert row["itemGuidValidity"] == "VALID" and row["multiLocationId"]


async def test_stock_status_filter(client: httpx.AsyncClient, token: str) -> None:
    """?status= narrows the stock answer; an unknown status is 400 with an integer status."""
    only = (await client.get("/stock/v1/inventory", params={"status": "QUANTITY"},
                             headers=headers(token))).json()
    assert only and {r["status"] for r in only} == {"QUANTITY"}
    bad = await client.get("/stock/v1/inventory", params={"status": "SOLD"},
                           headers=headers(token))
    assert bad.status_code == 400 and bad.json()["status"] == 400


async def test_stock_errors_use_integer_status(client: httpx.AsyncClient) -> None:
    """The stock spec's ErrorMessage has an integer status, without canRetry."""
    r = await client.get("/stock/v1/inventory",
                         headers={"Toast-Restaurant-External-ID": SAMPLE_RESTAURANT_GUID})
    assert r.status_code == 401
    assert r.json()["status"] == 401 and "canRetry" not in r.json()


async def test_restaurant_info(client: httpx.AsyncClient, token: str) -> None:
    """RestaurantInfo gives the name, time zone and currency of each sample restaurant."""
    harbor = (await client.get(f"/restaurants/v1/restaurants/{SAMPLE_RESTAURANT_GUID}",
                               headers=headers(token))).json()
    maple = (await client.get(f"/restaurants/v1/restaurants/{SECOND_RESTAURANT_GUID}",
                              headers=headers(token, SECOND_RESTAURANT_GUID))).json()
    assert harbor["general"]["name"] == "Harbor Lights Kitchen"
    assert harbor["general"]["timeZone"] == "America/New_York"
    assert harbor["general"]["currencyCode"] == "USD"
    assert harbor["location"]["city"]
    assert maple["general"]["name"] == "Maple Leaf Café"
    assert (maple["general"]["timeZone"], maple["general"]["currencyCode"]) == (
        "America/Toronto", "CAD")


async def test_restaurant_info_unknown_path_is_404(client: httpx.AsyncClient,
                                                   token: str) -> None:
    """An unknown GUID in the path is 404; a path that differs from the header is 400."""
    unknown = await client.get(f"/restaurants/v1/restaurants/{UNKNOWN_GUID}",
                               headers=headers(token))
    mismatch = await client.get(f"/restaurants/v1/restaurants/{SECOND_RESTAURANT_GUID}",
                                headers=headers(token))
    assert unknown.status_code == 404
    assert mismatch.status_code == 400


async def test_partners_lists_accessible_restaurants(client: httpx.AsyncClient,
                                                     token: str) -> None:
    """The partners API lists the restaurants this client may read, never the forbidden one."""
    r = await client.get("/partners/v1/restaurants", headers={"Authorization": f"Bearer {token}"})
    guids = {row["restaurantGuid"] for row in r.json()}
    assert {SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID} <= guids
    assert FORBIDDEN_RESTAURANT_GUID not in guids
    later = await client.get("/partners/v1/restaurants",
                             params={"lastModified": "2023-11-16T00:00:00.000-0000"},
                             headers={"Authorization": f"Bearer {token}"})
    assert {row["restaurantGuid"] for row in later.json()} == {SECOND_RESTAURANT_GUID}


async def _standard_token(client: httpx.AsyncClient) -> str:
    r = await client.post(LOGIN, json={**CREDENTIALS, "clientId": STANDARD_CLIENT_ID,
                                       "clientSecret": STANDARD_CLIENT_SECRET})
    return str(r.json()["token"]["accessToken"])


async def test_partners_is_403_for_standard_access(client: httpx.AsyncClient) -> None:
    """A client with standard API access may not use the partners API: 403, as Toast does."""
    token = await _standard_token(client)
    r = await client.get("/partners/v1/restaurants", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and r.json()["status"] == "403"


async def test_group_lists_the_restaurants_the_client_reads(client: httpx.AsyncClient) -> None:
    """The management-group API, asked through one restaurant, lists the group's restaurants
    this client reads as [{"guid"}], never the forbidden one."""
    token = await _standard_token(client)
    r = await client.get(f"/restaurants/v1/groups/{GROUP_GUID}/restaurants",
                         headers=headers(token, SECOND_RESTAURANT_GUID))
    assert r.status_code == 200
    assert r.json() == [{"guid": SAMPLE_RESTAURANT_GUID}, {"guid": SECOND_RESTAURANT_GUID}]


async def test_group_needs_a_restaurant_of_that_group(client: httpx.AsyncClient,
                                                      token: str) -> None:
    """Without the header 400; another group's GUID 400; a restaurant not granted 403."""
    other = await client.get(f"/restaurants/v1/groups/{UNKNOWN_GUID}/restaurants",
                             headers=headers(token))
    bare = await client.get(f"/restaurants/v1/groups/{GROUP_GUID}/restaurants",
                            headers={"Authorization": f"Bearer {token}"})
    locked = await client.get(f"/restaurants/v1/groups/{GROUP_GUID}/restaurants",
                              headers=headers(token, FORBIDDEN_RESTAURANT_GUID))
    assert (other.status_code, bare.status_code, locked.status_code) == (400, 400, 403)
