"""Keys across accounts: which key reads which restaurant, which admin key manages what."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.access import KeyRing
from app.config import ALL_RESTAURANTS, Settings
from app.errors import Forbidden, NotFound, Unauthorized
from app.relay import key_ring
from tests.support.accounts_files import (
    DEFAULT_GUID,
    ENV_DEFAULT,
    HARBOR_GUIDS,
    LAKE_GUID,
    accounts_of,
    harbor,
    lake,
)

OPEN_GUID = "6f2b5e7a-0000-4000-8000-0000000000ff"
"""A GUID no account lists: only the account `default` without RELAY_RESTAURANTS takes it."""
ADMIN = "global-admin-key-000001"
HARBOR_ADMIN = "harbor-admin-key-00001"


def ring(tmp_path: Path, **env: str) -> KeyRing:
    accounts: dict[str, Settings] = accounts_of(
        tmp_path, {"harbor": harbor(admin_key=HARBOR_ADMIN, screen_keys={
            "harbor-screen-key-0001": "*", "harbor-east-key-00001": ["harbor-east"]}),
                   "lake": lake()}, **ENV_DEFAULT, RELAY_ADMIN_KEY=ADMIN, **env)
    return key_ring(next(iter(accounts.values())), accounts)


# key × restaurant → allowed (True) or 403 (False); every restaurant is named by GUID and
# by alias where it has one.
TABLE = [
    ("harbor-screen-key-0001", "harbor", True),
    ("harbor-screen-key-0001", HARBOR_GUIDS[0], True),
    ("harbor-screen-key-0001", "harbor-east", True),
    ("harbor-screen-key-0001", LAKE_GUID, False),
    ("harbor-screen-key-0001", DEFAULT_GUID, False),
    ("harbor-screen-key-0001", OPEN_GUID, False),
    ("harbor-east-key-00001", "harbor-east", True),
    ("harbor-east-key-00001", HARBOR_GUIDS[1].upper(), True),
    ("harbor-east-key-00001", "harbor", False),
    ("harbor-east-key-00001", LAKE_GUID, False),
    ("lake-screen-key-00001", LAKE_GUID, True),
    ("lake-screen-key-00001", "harbor", False),
    ("lake-screen-key-00001", HARBOR_GUIDS[1], False),
    ("lake-screen-key-00001", OPEN_GUID, False),
    ("default-screen-key-000", DEFAULT_GUID, True),
    ("default-screen-key-000", OPEN_GUID, True),
    ("default-screen-key-000", "harbor", False),
    ("default-screen-key-000", HARBOR_GUIDS[0], False),
    ("default-screen-key-000", LAKE_GUID, False),
]


@pytest.mark.parametrize(("key", "ref", "allowed"), TABLE)
def test_a_key_reads_only_its_own_accounts_restaurants(tmp_path: Path, key: str, ref: str,
                                                      allowed: bool) -> None:
    """The decision table: a key reads its own account's restaurants (those it lists), and
    403 for any other account's, by alias or by GUID; the 403 names no GUID."""
    keys = ring(tmp_path)
    scope = keys.identify(key)
    if allowed:
        assert keys.admit(scope, ref) == keys.resolve(ref)
        return
    with pytest.raises(Forbidden) as info:
        keys.admit(scope, ref)
    assert keys.resolve(ref) not in info.value.detail


def test_restaurants_belong_to_the_account_listing_them(tmp_path: Path) -> None:
    """Listed GUIDs go to their account; any other GUID to `default` when it lists none."""
    keys = ring(tmp_path)
    assert [keys.account_of(g) for g in (*HARBOR_GUIDS, LAKE_GUID, OPEN_GUID)] == [
        "harbor", "harbor", "lake", "default"]


def test_without_an_open_default_an_unlisted_guid_is_404(tmp_path: Path) -> None:
    """With RELAY_RESTAURANTS on `default`, a GUID no account lists is served by none."""
    keys = ring(tmp_path, RELAY_RESTAURANTS=DEFAULT_GUID)
    assert keys.account_of(DEFAULT_GUID) == "default"
    with pytest.raises(NotFound, match="no account in RELAY_ACCOUNTS_FILE lists it"):
        keys.resolve(OPEN_GUID)


@pytest.mark.parametrize(("key", "account"), [(ADMIN, ALL_RESTAURANTS),
                                              (HARBOR_ADMIN, "harbor")])
def test_an_admin_key_manages_its_account(tmp_path: Path, key: str, account: str) -> None:
    """RELAY_ADMIN_KEY manages every account; an account's admin_key only its own."""
    keys = ring(tmp_path)
    assert keys.admin(key) == account
    assert keys.manages(keys.admin(key), HARBOR_GUIDS[0])
    assert keys.manages(keys.admin(key), LAKE_GUID) is (account == ALL_RESTAURANTS)


def test_screen_keys_are_not_admin_keys(tmp_path: Path) -> None:
    """A screen key is no admin key, and an admin key is no screen key (401 each)."""
    keys = ring(tmp_path)
    with pytest.raises(Unauthorized):
        keys.admin("harbor-screen-key-0001")
    with pytest.raises(Unauthorized):
        keys.identify(HARBOR_ADMIN)


def test_a_keys_restaurant_list_stays_in_its_account(tmp_path: Path) -> None:
    """/restaurants for a key: its account's restaurants (and, for the open `default`, the
    GUIDs it was asked for), never another account's."""
    keys = ring(tmp_path)
    known = [OPEN_GUID, LAKE_GUID]
    assert keys.readable(keys.identify("harbor-screen-key-0001"), known) == list(HARBOR_GUIDS)
    assert keys.readable(keys.identify("harbor-east-key-00001"), known) == [HARBOR_GUIDS[1]]
    assert keys.readable(keys.identify("lake-screen-key-00001"), known) == [LAKE_GUID]
    assert keys.readable(keys.identify("default-screen-key-000"), known) == [OPEN_GUID]


def test_replace_swaps_every_table(tmp_path: Path) -> None:
    """A reloaded file's ring replaces the running one's aliases, owners and keys at once."""
    running = KeyRing({"old-screen-key-000001": frozenset({ALL_RESTAURANTS})}, {})
    running.replace(ring(tmp_path))
    assert running.resolve("harbor") == HARBOR_GUIDS[0]
    with pytest.raises(Unauthorized):
        running.identify("old-screen-key-000001")
