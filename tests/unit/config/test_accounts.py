"""load_accounts: each account of RELAY_ACCOUNTS_FILE as complete settings, every field read
and checked, one line naming the file, the account and the field for each problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.config import ALL_RESTAURANTS, DEFAULT_ACCOUNT, load_accounts, load_settings
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


def test_without_a_file_the_environment_is_the_one_account() -> None:
    """No RELAY_ACCOUNTS_FILE: the account `default` is the very settings object given."""
    base = load_settings(ENV_DEFAULT)
    assert load_accounts(base) == {DEFAULT_ACCOUNT: base}
    assert load_accounts(base)[DEFAULT_ACCOUNT] is base


def test_file_accounts_come_in_file_order_after_default(tmp_path: Path) -> None:
    """`default` (from TOAST_*) comes first, then the file's accounts in the order written."""
    accounts = accounts_of(tmp_path, {"lake": lake(), "harbor": harbor()}, **ENV_DEFAULT)
    assert list(accounts) == ["default", "lake", "harbor"]
    only_file = accounts_of(tmp_path, {"lake": lake(), "harbor": harbor()})
    assert list(only_file) == ["lake", "harbor"]


def test_each_field_becomes_the_accounts_setting(tmp_path: Path) -> None:
    """Every field lands in its setting: URL normalised, aliases, keys reading all, intervals."""
    fields = harbor(api_url="ws-sandbox-api.eng.toasttab.com/", auth_mode="legacy",
                    user_access_type="TOAST_PARTNER", admin_key="harbor-admin-key-00001",
                    refresh_interval="15m", stock_interval=90)
    settings = accounts_of(tmp_path, {"harbor": fields})["harbor"]
    assert settings.toast_api_url == "https://ws-sandbox-api.eng.toasttab.com"
    assert settings.toast_client_id == "harbor-client"
    assert settings.toast_client_secret.get_secret_value() == "harbor-client-secret"
    assert (settings.toast_auth_mode, settings.toast_user_access_type) == ("legacy",
                                                                           "TOAST_PARTNER")
    assert settings.relay_restaurants == {"harbor": HARBOR_GUIDS[0],
                                          "harbor-east": HARBOR_GUIDS[1]}
    assert settings.relay_api_keys == {"harbor-screen-key-0001": frozenset({ALL_RESTAURANTS})}
    assert settings.relay_admin_key is not None
    assert settings.relay_admin_key.get_secret_value() == "harbor-admin-key-00001"
    assert (settings.relay_refresh_interval, settings.relay_stock_interval) == (900, 90)
    assert settings.describes_account


def test_restaurants_as_guids_and_keys_as_a_scoped_table(tmp_path: Path) -> None:
    """restaurants may be an array of GUIDs (lower-cased); screen_keys a table key → refs."""
    fields = harbor(restaurants=[HARBOR_GUIDS[0].upper(), HARBOR_GUIDS[1]],
                    screen_keys={"harbor-screen-key-0001": [HARBOR_GUIDS[0].upper()],
                                 "harbor-screen-key-0002": "*"})
    settings = accounts_of(tmp_path, {"harbor": fields})["harbor"]
    assert settings.relay_restaurants == {g: g for g in HARBOR_GUIDS}
    assert settings.relay_api_keys == {
        "harbor-screen-key-0001": frozenset({HARBOR_GUIDS[0].upper()}),
        "harbor-screen-key-0002": frozenset({ALL_RESTAURANTS})}


def test_relay_wide_settings_are_shared_and_account_ones_are_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file account takes REDIS_URL, RELAY_STALE_MAX… from the relay, but nothing of the
    account `default` (its auth mode, admin key, webhooks), even from the process env."""
    monkeypatch.setenv("TOAST_USER_ACCESS_TYPE", "FROM_THE_ENVIRONMENT")
    env = {**ENV_DEFAULT, "REDIS_URL": "redis://cache:6379/0", "RELAY_STALE_MAX": "2d",
           "RELAY_LOG_FORMAT": "text", "TOAST_AUTH_MODE": "legacy",
           "RELAY_ADMIN_KEY": "global-admin-key-0001", "RELAY_WEBHOOK_SECRET": "default-hook",
           "RELAY_RESTAURANTS": f'{{"home": "{DEFAULT_GUID}"}}'}
    accounts = accounts_of(tmp_path, {"harbor": harbor()}, **env)
    default, file_account = accounts["default"], accounts["harbor"]
    assert default.toast_user_access_type == "FROM_THE_ENVIRONMENT"
    assert file_account.redis_url is not None
    assert file_account.redis_url.get_secret_value() == "redis://cache:6379/0"
    assert (file_account.relay_stale_max, file_account.relay_log_format) == (172800, "text")
    assert file_account.toast_auth_mode == "machine"
    assert file_account.toast_user_access_type == "TOAST_MACHINE_CLIENT"
    assert file_account.relay_admin_key is None and file_account.webhook_secrets() == []
    assert file_account.relay_refresh_interval == 60
    assert file_account.relay_restaurants == {"harbor": HARBOR_GUIDS[0],
                                              "harbor-east": HARBOR_GUIDS[1]}


def test_each_file_account_keeps_its_data_under_the_data_dir(tmp_path: Path) -> None:
    """RELAY_DATA_DIR/accounts/NAME for a file account; `default` keeps RELAY_DATA_DIR."""
    data = tmp_path / "data"
    accounts = accounts_of(tmp_path, {"harbor": harbor()}, RELAY_DATA_DIR=str(data),
                           **ENV_DEFAULT)
    assert accounts["default"].relay_data_dir == data
    assert accounts["harbor"].relay_data_dir == data / "accounts" / "harbor"
    assert (data / "accounts" / "harbor").is_dir()
    assert accounts_of(tmp_path, {"harbor": harbor()})["harbor"].relay_data_dir is None


def test_webhook_secrets_make_the_metadata_check_a_backup(tmp_path: Path) -> None:
    """With webhook_secrets the account checks every 30 minutes, unless refresh_interval or
    RELAY_REFRESH_INTERVAL says otherwise."""
    hooks = harbor(webhook_secrets=["menus-hook-secret", "stock-hook-secret"])
    settings = accounts_of(tmp_path, {"harbor": hooks})["harbor"]
    assert settings.webhook_secrets() == ["menus-hook-secret", "stock-hook-secret"]
    assert settings.relay_refresh_interval == 1800
    own = accounts_of(tmp_path, {"harbor": {**hooks, "refresh_interval": 120}})["harbor"]
    assert own.relay_refresh_interval == 120
    relay_wide = accounts_of(tmp_path, {"harbor": hooks}, RELAY_REFRESH_INTERVAL="5m")
    assert relay_wide["harbor"].relay_refresh_interval == 300


def test_the_defaults_webhook_backup_interval_is_not_inherited(tmp_path: Path) -> None:
    """RELAY_WEBHOOK_SECRET stretches only the account `default`'s check to 30 minutes."""
    accounts = accounts_of(tmp_path, {"lake": lake()}, RELAY_WEBHOOK_SECRET="default-hook",
                           **ENV_DEFAULT)
    assert accounts["default"].relay_refresh_interval == 1800
    assert accounts["lake"].relay_refresh_interval == 60


def test_a_file_account_may_be_named_default_without_toast_variables(tmp_path: Path) -> None:
    """With no TOAST_* credentials, the file may name the account `default` itself."""
    accounts = accounts_of(tmp_path, {"default": lake()})
    assert list(accounts) == ["default"]
    assert accounts["default"].relay_restaurants == {LAKE_GUID: LAKE_GUID}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"api_url": None}, "api_url is not set; set the account's Toast base URL"),
        ({"api_url": "ftp://toast"}, "api_url is not a URL"),
        ({"api_url": 5}, "api_url must be a string in quotes, not a number"),
        ({"client_id": None}, "client_id is not set"),
        ({"client_id": " "}, "client_id is empty; copy the client id"),
        ({"client_secret": None}, "client_secret_file is not set"),
        ({"client_secret": ""}, "client_secret is empty"),
        ({"client_secret": "replace-with-your-secret"}, "client_secret still holds the "
                                                        "placeholder"),
        ({"client_secret_file": "/run/secrets/x"}, "client_secret and client_secret_file are "
                                                   "both set"),
        ({"auth_mode": "oauth"}, "auth_mode input should be 'machine' or 'legacy'"),
        ({"user_access_type": ["x"]}, "user_access_type must be a string in quotes, not an "
                                      "array"),
        ({"restaurants": None}, "restaurants is not set; list the account's restaurants"),
        ({"restaurants": {}}, "restaurants is empty"),
        ({"restaurants": []}, "restaurants is empty"),
        ({"restaurants": "harbor"}, "restaurants must be a table of alias"),
        ({"restaurants": {"harbor": 7}}, "restaurants must be a table of alias"),
        ({"restaurants": {"harbor": "not-a-guid"}}, "restaurants 'not-a-guid' is not a "
                                                    "restaurant GUID"),
        ({"restaurants": ["harbor"]}, "restaurants 'harbor' is not a restaurant GUID"),
        ({"restaurants": {"har bor": HARBOR_GUIDS[0]}}, "restaurants alias 'har bor' is not "
                                                        "usable in a URL"),
        ({"screen_keys": None}, "screen_keys is not set; give the account's screens"),
        ({"screen_keys": []}, "screen_keys is empty"),
        ({"screen_keys": {}}, "screen_keys is empty"),
        ({"screen_keys": ["short"]}, "screen_keys a key is shorter than 16 characters"),
        ({"screen_keys": ["replace-with-a-long-random-screen-key"]}, "screen_keys still holds "
                                                                     "the placeholder"),
        ({"screen_keys": "harbor-screen-key-0001"}, "screen_keys must be an array of keys"),
        ({"screen_keys": {"harbor-screen-key-0001": 3}}, "screen_keys must be an array of keys"),
        ({"screen_keys": {"harbor-screen-key-0001": ["lakeside"]}},
         "screen_keys a key lists 'lakeside', which is not one of this account's restaurants"),
        ({"screen_keys": {"harbor-screen-key-0001": [LAKE_GUID]}},
         f"screen_keys a key lists '{LAKE_GUID}', which is not one of this account's"),
        ({"admin_key": "short"}, "admin_key must be a random key of 16+ characters"),
        ({"admin_key": ""}, "admin_key must be a random key"),
        ({"webhook_secrets": "menus-hook-secret"}, "webhook_secrets must be an array of secrets"),
        ({"webhook_secrets": ["a", 1]}, "webhook_secrets must be an array of secrets"),
        ({"webhook_secrets": [" "]}, "webhook_secrets holds an empty secret or one with a comma"),
        ({"webhook_secrets": ["a,b"]}, "webhook_secrets holds an empty secret or one with a"),
        ({"webhook_secrets": ["replace-with-menus-secret"]}, "webhook_secrets still holds the "
                                                             "placeholder"),
        ({"refresh_interval": "forever"}, "refresh_interval expected seconds or a number with"),
        ({"refresh_interval": 0}, "refresh_interval must be more than 0 seconds"),
        ({"refresh_interval": True}, "refresh_interval must be seconds or a duration such as "
                                     "\"15m\", not true/false"),
        ({"stock_interval": [60]}, "stock_interval must be seconds or a duration"),
    ],
)
def test_each_bad_field_is_one_line_naming_account_and_field(
        tmp_path: Path, changes: dict[str, Any], expected: str) -> None:
    """A bad or missing field: one line, `RELAY_ACCOUNTS_FILE <path>: account 'harbor':
    <field> <problem>; <what to do>`."""
    detail = accounts_problem(tmp_path, {"lake": lake(), "harbor": harbor(**changes)})
    assert detail.startswith(f"RELAY_ACCOUNTS_FILE {tmp_path / 'accounts.toml'}: "
                             "account 'harbor': ")
    assert expected in detail
    assert "\n" not in detail


def test_a_file_account_named_default_beside_toast_variables_is_refused(
        tmp_path: Path) -> None:
    """TOAST_* describe `default`, so the file cannot name another account `default`."""
    detail = accounts_problem(tmp_path, {"default": lake()}, **ENV_DEFAULT)
    assert "account 'default': name is taken" in detail
    assert "TOAST_CLIENT_ID and TOAST_CLIENT_SECRET describe the account 'default'" in detail


def test_no_account_at_all_is_refused(tmp_path: Path) -> None:
    """An accounts file naming no account, and no TOAST_* credentials: nothing to serve."""
    detail = accounts_problem(tmp_path, {}, extra="# nothing yet\n")
    assert detail == (f"RELAY_ACCOUNTS_FILE {tmp_path / 'accounts.toml'}: names no account, "
                      "and TOAST_CLIENT_ID is not set; add an [accounts.NAME] table "
                      "(docs/accounts.md)")
    assert list(accounts_of(tmp_path, {}, **ENV_DEFAULT)) == ["default"]
