"""Rules between accounts: an alias, a restaurant, a screen key or an admin key belongs to
one account only, so every request and key leads to exactly one account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts_files import (
    DEFAULT_GUID,
    ENV_DEFAULT,
    HARBOR_GUIDS,
    LAKE_GUID,
    accounts_of,
    accounts_problem,
    harbor,
    lake,
)

HOME = f'{{"home": "{DEFAULT_GUID}"}}'


@pytest.mark.parametrize(
    ("lake_changes", "env", "expected"),
    [
        ({"restaurants": {"harbor": LAKE_GUID}}, {},
         "account 'lake': restaurants alias 'harbor' is also in account 'harbor'; aliases are "
         "unique across the file and RELAY_RESTAURANTS: rename one"),
        ({"restaurants": {"home": LAKE_GUID}}, {**ENV_DEFAULT, "RELAY_RESTAURANTS": HOME},
         "account 'lake': restaurants alias 'home' is also in RELAY_RESTAURANTS"),
        ({"restaurants": {"home": LAKE_GUID}}, {"RELAY_RESTAURANTS": HOME},
         "account 'lake': restaurants alias 'home' is also in RELAY_RESTAURANTS"),
        ({"restaurants": [HARBOR_GUIDS[1].upper()]}, {},
         f"account 'lake': restaurants {HARBOR_GUIDS[1]} is also a restaurant of account "
         "'harbor'; a restaurant belongs to one account: remove it from one"),
        ({"restaurants": {"lakeside": DEFAULT_GUID}}, {**ENV_DEFAULT, "RELAY_RESTAURANTS": HOME},
         f"account 'lake': restaurants {DEFAULT_GUID} is also a restaurant of account "
         "'default'"),
        ({"screen_keys": ["harbor-screen-key-0001"]}, {},
         "account 'lake': screen_keys holds a key that is also a screen key of account "
         "'harbor'; give each account its own keys"),
        ({"screen_keys": ["default-screen-key-000"]}, ENV_DEFAULT,
         "account 'lake': screen_keys holds a key that is also a screen key of account "
         "'default'"),
        ({"screen_keys": ["harbor-admin-key-00001"]}, {},
         "account 'lake': screen_keys holds a key that is also the admin_key of account "
         "'harbor'; give screens and admins different keys"),
        ({"screen_keys": ["global-admin-key-0001"]}, {"RELAY_ADMIN_KEY": "global-admin-key-0001"},
         "account 'lake': screen_keys holds a key that is also RELAY_ADMIN_KEY"),
        ({"admin_key": "harbor-admin-key-00001"}, {},
         "account 'lake': admin_key is the same as the admin_key of account 'harbor'; give "
         "each account its own admin key"),
        ({"admin_key": "global-admin-key-0001"}, {"RELAY_ADMIN_KEY": "global-admin-key-0001"},
         "account 'lake': admin_key is the same as RELAY_ADMIN_KEY"),
    ],
)
def test_what_two_accounts_share_is_refused(
        tmp_path: Path, lake_changes: dict[str, Any], env: dict[str, str], expected: str) -> None:
    """Shared aliases (file or RELAY_RESTAURANTS), restaurants, screen keys and admin keys:
    one line naming the later account, the field and the earlier owner, never the key."""
    accounts = {"harbor": harbor(admin_key="harbor-admin-key-00001"), "lake": lake(**lake_changes)}
    detail = accounts_problem(tmp_path, accounts, **env)
    assert expected in detail
    assert "\n" not in detail


def test_a_screen_key_equal_to_its_own_accounts_admin_key_is_refused(tmp_path: Path) -> None:
    """Within one account too, the screen keys and the admin key differ."""
    fields = harbor(admin_key="harbor-screen-key-0001")
    detail = accounts_problem(tmp_path, {"harbor": fields})
    assert ("account 'harbor': screen_keys holds a key that is also the admin_key of account "
            "'harbor'") in detail


def test_one_restaurant_under_two_aliases_of_one_account_is_fine(tmp_path: Path) -> None:
    """Two aliases for one GUID inside an account is not a clash between accounts."""
    fields = harbor(restaurants={"harbor": HARBOR_GUIDS[0], "the-harbor": HARBOR_GUIDS[0]})
    accounts = accounts_of(tmp_path, {"harbor": fields, "lake": lake()})
    assert accounts["harbor"].relay_restaurants == {"harbor": HARBOR_GUIDS[0],
                                                    "the-harbor": HARBOR_GUIDS[0]}


def test_accounts_that_share_nothing_load_together(tmp_path: Path) -> None:
    """Distinct aliases, restaurants and keys across default and two file accounts: loaded."""
    env = {**ENV_DEFAULT, "RELAY_RESTAURANTS": HOME, "RELAY_ADMIN_KEY": "global-admin-key-0001"}
    accounts = accounts_of(tmp_path, {"harbor": harbor(admin_key="harbor-admin-key-00001"),
                                      "lake": lake(admin_key="lake-admin-key-000001")}, **env)
    assert list(accounts) == ["default", "harbor", "lake"]
