"""The console with two accounts: an account's admin key signs in to its account only,
RELAY_ADMIN_KEY sees every account grouped, and a scoped session cannot reach another
account's restaurants or screens."""

from __future__ import annotations

from app.sim.sample import AGENCY_TAQUERIA_GUID, SAMPLE_RESTAURANT_GUID
from tests.support.console_accounts import (
    AGENCY_ADMIN,
    AGENCY_KEY,
    ORIGIN,
    console_sign_in,
    two_accounts,
)
from tests.support.in_process_relay import ADMIN, KEY, Stack

SAME = {"Origin": ORIGIN}
SCREENS = {"harbor-bar": {"restaurant": "harbor"}, "taco-wall": {"restaurant": "taqueria"},
           "everywhere": {}}


async def put_screens(stack: Stack) -> None:
    for name, definition in SCREENS.items():
        answer = await stack.client.put(f"/admin/screens/{name}", json=definition,
                                        headers={"X-API-Key": ADMIN})
        assert answer.status_code == 200, answer.text


def section(page: str, account: str) -> str:
    """The overview's part for ``account`` (empty when the page has none)."""
    marker = f'data-account="{account}"'
    if marker not in page:
        return ""
    return page.split(marker, 1)[1].split("data-account=", 1)[0]


async def test_the_admin_key_sees_every_account_grouped() -> None:
    """RELAY_ADMIN_KEY's overview has a heading per account (readiness, budget, webhooks)
    with that account's restaurants under it, and none of another's."""
    async with two_accounts() as stack:
        await console_sign_in(stack.client, ADMIN)
        page = (await stack.client.get("/admin/")).text
    default, agency = section(page, "default"), section(page, "agency")
    assert SAMPLE_RESTAURANT_GUID in default and AGENCY_TAQUERIA_GUID not in default
    assert AGENCY_TAQUERIA_GUID in agency and SAMPLE_RESTAURANT_GUID not in agency
    for part in (default, agency):
        assert "Toast budget" in part and "Webhooks: off" in part and "Toast token" in part


async def test_an_account_admin_key_sees_only_its_account() -> None:
    """The agency's admin key signs in to the agency: its overview, screen list and
    restaurant picker name none of the default account's restaurants or screens, and its
    player URLs carry the agency's screen key."""
    async with two_accounts() as stack:
        await put_screens(stack)
        await console_sign_in(stack.client, AGENCY_ADMIN)
        overview = (await stack.client.get("/admin/")).text
        screens = (await stack.client.get("/admin/console/screens")).text
    assert 'data-account="agency"' in overview and 'data-account="default"' not in overview
    assert SAMPLE_RESTAURANT_GUID not in overview and AGENCY_TAQUERIA_GUID in overview
    assert 'data-screen="taco-wall"' in screens
    assert 'data-screen="harbor-bar"' not in screens
    assert 'data-screen="everywhere"' not in screens
    assert '<option value="taqueria"' in screens and '<option value="harbor"' not in screens
    assert f"key={AGENCY_KEY}" in screens and f"key={KEY}" not in screens
    assert ADMIN not in screens and AGENCY_ADMIN not in screens


async def test_a_scoped_session_gets_403_on_another_accounts_things() -> None:
    """Signed in to the agency: another account's screen page, save, delete, refresh and
    history are 403, a save naming its restaurant is refused, and nothing changes."""
    async with two_accounts() as stack:
        await put_screens(stack)
        csrf = await console_sign_in(stack.client, AGENCY_ADMIN)
        client = stack.client
        assert (await client.get("/admin/console/screens/harbor-bar")).status_code == 403
        assert (await client.get("/admin/console/screens/everywhere")).status_code == 403
        assert (await client.get("/admin/console/history/harbor")).status_code == 403
        assert (await client.post("/admin/console/refresh/harbor", data={"csrf": csrf},
                                  headers=SAME)).status_code == 403
        assert (await client.post("/admin/console/screens/harbor-bar/delete",
                                  data={"csrf": csrf, "version": "1"}, headers=SAME)
                ).status_code == 403
        overwrite = {"csrf": csrf, "name": "harbor-bar", "version": "1",
                     "restaurant": "taqueria"}
        assert (await client.post("/admin/console/screens", data=overwrite, headers=SAME)
                ).status_code == 403
        foreign = {"csrf": csrf, "name": "sneaky", "version": "0", "restaurant": "harbor"}
        refused = await client.post("/admin/console/screens", data=foreign, headers=SAME)
        assert refused.status_code == 422 and "not a restaurant of account agency" in (
            refused.text)
        chain = {"csrf": csrf, "name": "sneaky", "version": "0", "restaurant": ""}
        assert (await client.post("/admin/console/screens", data=chain, headers=SAME)
                ).status_code == 422
        own = await client.get("/admin/console/screens/taco-wall")
        assert own.status_code == 200
        assert (await client.get("/admin/console/history/taqueria")).status_code == 200
        stored = (await client.get("/admin/screens/harbor-bar",
                                   headers={"X-API-Key": ADMIN})).json()
    assert stored["version"] == 1 and stored["definition"]["restaurant"] == "harbor"
    assert stack.relay.screens.get("sneaky") is None


async def test_the_editor_does_not_read_another_accounts_menu() -> None:
    """A new screen opened for another account's restaurant shows no menu (Toast is not
    asked for it) and the picker offers only the session's restaurants."""
    async with two_accounts() as stack:
        await console_sign_in(stack.client, AGENCY_ADMIN)
        page = (await stack.client.get("/admin/console/new?restaurant=harbor")).text
    assert "The menu could not be read" in page and "manages another account" in page
    assert '<option value="taqueria"' in page and '<option value="harbor"' not in page


async def test_a_session_of_a_removed_account_is_over() -> None:
    """When a reloaded accounts file drops the agency, its session no longer opens a page."""
    async with two_accounts() as stack:
        await console_sign_in(stack.client, AGENCY_ADMIN)
        stack.relay.accounts = {n: a for n, a in stack.relay.accounts.items() if n != "agency"}
        page = (await stack.client.get("/admin/")).text
    assert 'id="sign-in"' in page


async def test_a_screen_key_does_not_sign_in() -> None:
    """An account's screen key is no admin key: 401, the form again, no cookie."""
    async with two_accounts() as stack:
        answer = await stack.client.post("/admin/sign-in", data={"key": AGENCY_KEY},
                                         headers={"Origin": ORIGIN})
    assert answer.status_code == 401 and "set-cookie" not in answer.headers
    assert 'id="sign-in"' in answer.text


async def test_the_admin_key_gets_each_screen_a_key_of_its_account() -> None:
    """Signed in with RELAY_ADMIN_KEY: every screen listed, each player URL with a screen
    key of the screen's account, and the picker naming each restaurant's account."""
    async with two_accounts() as stack:
        await put_screens(stack)
        await console_sign_in(stack.client, ADMIN)
        listed = (await stack.client.get("/admin/console/screens")).text
        taco = (await stack.client.get("/admin/console/screens/taco-wall")).text
        harbor = (await stack.client.get("/admin/console/screens/harbor-bar")).text
    assert all(f'data-screen="{name}"' in listed for name in SCREENS)
    assert f"key={AGENCY_KEY}" in taco and f"key={KEY}" not in taco
    assert f"key={KEY}" in harbor and f"key={AGENCY_KEY}" not in harbor
    assert "· agency</option>" in listed and "· default</option>" in listed


async def test_the_demo_landing_page_links_what_its_key_reads() -> None:
    """The demo's landing page links the restaurants its key may read, whichever account
    lists them, and none of another account's."""
    async with two_accounts(demo_keys={"agency": AGENCY_KEY}) as stack:
        page = (await stack.client.get("/")).text
    assert "/board/taqueria?key=" in page and "/board/bakery?key=" in page
    assert "/board/harbor" not in page
