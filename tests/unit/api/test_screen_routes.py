"""Stored screens over HTTP (in process): /admin/screens to manage, /s/{screen} to show."""

from __future__ import annotations

import json
from typing import Any

import httpx

from app.board.render import item_guids
from app.serve.answers import FORMATS
from tests.support.in_process_relay import ADMIN, GUID, KEY, Open, Stack

OTHER_KEY = "other-key-0123456789abcdef"
DRINKS = {"restaurant": "harbor", "title": "Drinks", "groups": ["Cocktails", "Zero Proof"],
          "available": "all"}


async def put(client: httpx.AsyncClient, name: str, body: object,
              **headers: str) -> httpx.Response:
    return await client.put(f"/admin/screens/{name}", content=json.dumps(body),
                            headers={"X-API-Key": ADMIN, **headers})


async def rows(client: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    r = await client.get(path, params={"key": KEY, **params})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_put_then_get_answers_the_definition_with_its_version(stack: Stack) -> None:
    """PUT stores the whole definition and answers it with version 1 and updatedAt; GET
    and the list answer the same; a second PUT is version 2."""
    c = stack.client
    r = await put(c, "drinks", DRINKS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 1 and body["updatedAt"] and body["definition"]["groups"] == [
        "Cocktails", "Zero Proof"]
    assert r.headers["etag"] == '"1"' and body["urls"]["board"] == ["/s/drinks"]
    got = (await c.get("/admin/screens/drinks", params={"key": ADMIN})).json()
    assert got["definition"] == body["definition"] and got["missing"] == {}
    listed = (await c.get("/admin/screens", params={"key": ADMIN})).json()["screens"]
    assert [(s["screen"], s["version"]) for s in listed] == [("drinks", 1)]
    assert (await put(c, "drinks", DRINKS)).json()["version"] == 2


async def test_if_match_refuses_a_stale_version(stack: Stack) -> None:
    """If-Match with the current version writes; with an older one it is 412; "0" creates only."""
    c = stack.client
    assert (await put(c, "drinks", DRINKS, **{"If-Match": '"0"'})).status_code == 200
    assert (await put(c, "drinks", DRINKS, **{"If-Match": '"0"'})).status_code == 412
    assert (await put(c, "drinks", DRINKS, **{"If-Match": '"1"'})).json()["version"] == 2
    stale = await put(c, "drinks", DRINKS, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["error"] == "version_mismatch"
    assert '"2"' in stale.json()["detail"]


async def test_bad_definitions_are_422_naming_the_field(stack: Stack) -> None:
    """Unknown fields, bad names, bad GUIDs and unknown aliases are 422 naming the field."""
    c = stack.client
    for name, body, path in [
        ("drinks", {**DRINKS, "colour": "red"}, "colour"),
        ("Bad_Name", DRINKS, "screen"),
        ("drinks", {**DRINKS, "items": ["nope"]}, "items[0]"),
        ("drinks", {**DRINKS, "restaurant": "downtown"}, "restaurant"),
    ]:
        r = await put(c, name, body)
        assert r.status_code == 422, (name, body)
        assert r.json()["error"] == "invalid_screen" and r.json()["detail"].startswith(path)


async def test_missing_names_are_listed_not_errors(stack: Stack) -> None:
    """A group the menu does not have is skipped on screen and listed under missing."""
    c = stack.client
    r = await put(c, "drinks", {**DRINKS, "groups": ["Cocktails", "Milkshakes"]})
    assert r.json()["missing"] == {"groups": ["Milkshakes"]}
    assert {row["group"] for row in await rows(c, "/s/drinks/menu")} == {"Cocktails"}


async def test_delete_then_404(stack: Stack) -> None:
    """DELETE removes the screen (204); its URLs and a second DELETE are then 404."""
    c = stack.client
    await put(c, "drinks", DRINKS)
    assert (await c.delete("/admin/screens/drinks", params={"key": ADMIN})).status_code == 204
    assert (await c.get("/s/drinks", params={"key": KEY})).status_code == 404
    assert (await c.delete("/admin/screens/drinks", params={"key": ADMIN})).status_code == 404


async def test_screen_rows_are_menu_rows_after_the_choices(stack: Stack) -> None:
    """/s/{screen}/menu: the chosen groups in the order given, renamed, described, badged."""
    c = stack.client
    menu = await rows(c, "/menu/harbor")
    zero = [r for r in menu if r["group"] == "Zero Proof"]
    cocktails = [r for r in menu if r["group"] == "Cocktails"]
    first = zero[0]["guid"]
    await put(c, "drinks", {**DRINKS, "groups": ["Zero Proof", "Cocktails"],
                            "rename": {first: "House Soda"}, "describe": {first: "Fizzy"},
                            "badges": {first: ["New"]}, "hide": [cocktails[0]["guid"]]})
    got = await rows(c, "/s/drinks/menu")
    assert [r["guid"] for r in got] == [r["guid"] for r in zero + cocktails[1:]]
    assert (got[0]["name"], got[0]["description"], got[0]["badges"]) == (
        "House Soda", "Fizzy", ["New"])
    assert got[0]["priceText"] == zero[0]["priceText"] and got[1]["badges"] == []


async def test_every_format_with_etag_and_304(stack: Stack) -> None:
    """Every /menu format answers on /s/{screen}/menu, with an ETag that gives 304."""
    c = stack.client
    await put(c, "drinks", DRINKS)
    for fmt in FORMATS:
        for ascii_only in ("false", "true"):
            r = await c.get("/s/drinks/menu", params={"key": KEY, "format": fmt,
                                                     "ascii": ascii_only})
            assert r.status_code == 200 and r.headers["etag"], fmt
            again = await c.get("/s/drinks/menu", params={
                "key": KEY, "format": fmt, "ascii": ascii_only},
                headers={"If-None-Match": r.headers["etag"]})
            assert again.status_code == 304, fmt


async def test_a_definition_change_changes_the_answer(stack: Stack) -> None:
    """The answer is rendered again after an edit: new bytes and a new ETag."""
    c = stack.client
    await put(c, "drinks", DRINKS)
    before = await c.get("/s/drinks/menu", params={"key": KEY})
    await put(c, "drinks", {**DRINKS, "groups": ["Cocktails"]})
    after = await c.get("/s/drinks/menu", params={"key": KEY},
                        headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]


async def test_parts_are_disjoint_and_cover_the_selection(stack: Stack) -> None:
    """?part=k: every chosen row on exactly one part, in order; 422 outside 1..parts."""
    c = stack.client
    await put(c, "food", {"restaurant": "harbor", "menus": ["Lunch"], "parts": 2,
                          "available": "all"})
    whole = await rows(c, "/s/food/menu")
    one, two = await rows(c, "/s/food/menu", part="1"), await rows(c, "/s/food/menu", part="2")
    assert one and two and [r["guid"] for r in one + two] == [r["guid"] for r in whole]
    for bad in ("0", "3", "x"):
        r = await c.get("/s/food", params={"key": KEY, "part": bad})
        assert r.status_code == 422 and r.json()["detail"].startswith("part:"), bad


async def test_board_shows_the_chosen_items_only(stack: Stack) -> None:
    """The board page and its content fragment carry exactly the chosen items, the title,
    the footer, and follow the restaurant's /events stream."""
    c = stack.client
    await put(c, "drinks", {**DRINKS, "footer": "Ask for the happy hour",
                            "layout": {"theme": "light"}})
    chosen = {r["guid"] for r in await rows(c, "/s/drinks/menu")}
    page = await c.get("/s/drinks", params={"key": KEY})
    assert page.status_code == 200 and "content-security-policy" in page.headers
    text = page.text
    shown = set(item_guids(text))
    assert shown == chosen
    assert "<h1>Drinks</h1>" in text and "Ask for the happy hour" in text
    assert 'data-theme="light"' in text and f"../events/{GUID}" in text
    content = await c.get("/s/drinks", params={"key": KEY, "part": "content"})
    assert content.text.startswith('<div id="content"')


async def test_keys_401_404_403(open_relay: Open) -> None:
    """No key: 401; unknown screen: 404; a key that may not read the restaurant: 403; a
    screen key cannot manage screens."""
    keys = json.dumps({KEY: "*", OTHER_KEY: ["00000000-0000-4000-8000-000000000001"]})
    async with open_relay(RELAY_API_KEYS=keys) as stack:
        c = stack.client
        await put(c, "drinks", DRINKS)
        assert (await c.get("/s/drinks")).status_code == 401
        assert (await c.get("/s/nothing", params={"key": KEY})).status_code == 404
        assert (await c.get("/s/drinks", params={"key": OTHER_KEY})).status_code == 403
        assert (await c.get("/s/drinks/menu", params={"key": OTHER_KEY})).status_code == 403
        assert (await c.get("/admin/screens", params={"key": KEY})).status_code == 401


async def test_chain_wide_screens_need_a_restaurant(stack: Stack) -> None:
    """A screen without a restaurant shows the one named by ?restaurant= (400 without)."""
    c = stack.client
    await put(c, "drinks-all", {"groups": ["Cocktails"], "available": "all"})
    r = await c.get("/s/drinks-all/menu", params={"key": KEY})
    assert r.status_code == 400 and "chain-wide" in r.json()["detail"]
    got = await rows(c, "/s/drinks-all/menu", restaurant="harbor")
    assert got and {row["group"] for row in got} == {"Cocktails"}


async def test_an_if_match_that_is_not_a_version_is_400(stack: Stack) -> None:
    """PUT and DELETE refuse an If-Match of another form (400), never take it as absent."""
    c = stack.client
    await put(c, "drinks", DRINKS)
    for tag in ("!", "", "*", '"1", "2"', "1" * 16, '"x"'):
        for r in (await put(c, "drinks", DRINKS, **{"If-Match": tag}),
                  await c.delete("/admin/screens/drinks",
                                 headers={"X-API-Key": ADMIN, "If-Match": tag})):
            assert r.status_code == 400, (tag, r.text)
            assert r.json()["detail"].startswith("If-Match must be a version"), tag
    assert (await put(c, "drinks", DRINKS, **{"If-Match": 'W/"1"'})).status_code == 200
    gone = await c.delete("/admin/screens/drinks", headers={"X-API-Key": ADMIN, "If-Match": "2"})
    assert gone.status_code == 204


async def test_a_bad_name_is_422_on_every_route(stack: Stack) -> None:
    """GET and DELETE answer a name no screen can have as PUT does: 422 naming `screen`."""
    c = stack.client
    for r in (await c.get("/admin/screens/Bad_Name", params={"key": ADMIN}),
              await c.delete("/admin/screens/Bad_Name", params={"key": ADMIN}),
              await put(c, "x" * 41, DRINKS)):
        assert r.status_code == 422 and r.json()["detail"].startswith("screen:"), r.text


async def test_status_offset_past_any_page_is_400_not_500(stack: Stack) -> None:
    """/admin/status refuses an offset too large to answer (it was a 500) and takes a big one."""
    c = stack.client
    r = await c.get("/admin/status", params={"key": ADMIN, "offset": str(10**22)})
    assert r.status_code == 400 and "offset" in r.json()["detail"]
    assert (await c.get("/admin/status", params={"key": ADMIN, "offset": "100000"})
            ).status_code == 200
