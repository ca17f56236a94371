"""`toast-relay setup --account NAME`, the parts without Toast: where the account goes, the
refusals before any login, and the table appended only when the file then loads."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.config import load_accounts, load_settings
from app.config.accounts_file import read_accounts_file
from app.discover import Reachable
from app.errors import ConfigError
from app.setup_account import (
    AccountTarget,
    NewAccount,
    account_fields,
    account_target,
    credentials_source,
    save_account,
    with_login_defaults,
)
from app.setup_env import propose_aliases
from app.setup_guide import AccountDone, account_summary
from tests.support.accounts_files import HARBOR_GUIDS, LAKE_GUID, harbor, write_accounts

SECRET = "new-client-secret-value"


def new_account(**restaurants: str) -> NewAccount:
    return NewAccount(api_url="https://ws-api.toasttab.com", client_id="lake-client",
                      client_secret=SECRET, auth_mode="machine",
                      restaurants=restaurants or {"lake": LAKE_GUID},
                      screen_key="lake-screen-key-0123456789", admin_key="lake-admin-key-0123456")


def target(path: Path, name: str = "lake") -> AccountTarget:
    return account_target(name, path, path.parent / "data", {})


def test_target_derives_the_accounts_data_dir_and_the_aliases_taken(tmp_path: Path) -> None:
    """The token goes where the relay keeps the account's data (RELAY_DATA_DIR/accounts/NAME),
    and aliases other accounts use are known before any is proposed."""
    path = write_accounts(tmp_path, {"harbor-group": harbor()})
    got = account_target("lake", None, None, {"RELAY_ACCOUNTS_FILE": str(path),
                                              "RELAY_DATA_DIR": str(tmp_path / "d")})
    assert got.accounts_file == path and got.data_dir == tmp_path / "d" / "accounts" / "lake"
    assert got.taken == {"harbor", "harbor-east"}
    assert got.secret_file == Path("secrets/lake")


@pytest.mark.parametrize(("name", "env", "expected"), [
    ("harbor-group", True, "already in"),
    ("Lake Cafe", True, "1-40 lower-case"),
    ("lake", False, "--accounts-file PATH or set RELAY_ACCOUNTS_FILE"),
])
def test_refusals_before_any_login(tmp_path: Path, name: str, env: bool, expected: str) -> None:
    """A name already in the file, an unusable name, or no accounts file: one line naming
    the problem and the fix."""
    path = write_accounts(tmp_path, {"harbor-group": harbor()})
    environ = {"RELAY_ACCOUNTS_FILE": str(path)} if env else {}
    with pytest.raises(ConfigError) as info:
        account_target(name, None, None, environ)
    assert expected in info.value.detail and "\n" not in info.value.detail


def test_saved_account_loads_with_its_secret_in_a_private_file(tmp_path: Path) -> None:
    """The appended table loads as the relay loads it; the secret is in secrets/NAME (0600),
    not in the accounts file (created 0600); the accounts already there are kept."""
    path = write_accounts(tmp_path, {"harbor-group": harbor()})
    before = path.read_text()
    secret_file = save_account(target(path), new_account())
    assert secret_file == tmp_path / "secrets" / "lake"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert secret_file.read_text() == SECRET + "\n"
    text = path.read_text()
    assert text.startswith(before) and SECRET not in text
    assert 'client_secret_file = "secrets/lake"' in text
    accounts = load_accounts(load_settings({"RELAY_ACCOUNTS_FILE": str(path)}))
    assert list(accounts) == ["harbor-group", "lake"]
    lake = accounts["lake"]
    assert lake.toast_client_secret.get_secret_value() == SECRET
    assert lake.relay_restaurants == {"lake": LAKE_GUID}
    assert list(lake.relay_api_keys) == ["lake-screen-key-0123456789"]


def test_a_new_accounts_file_is_created_private(tmp_path: Path) -> None:
    """Without a file, setup creates it (and its folder) mode 0600 with the one account."""
    path = tmp_path / "etc" / "accounts.toml"
    save_account(target(path), new_account())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(read_accounts_file(path)) == ["lake"]


def test_a_file_that_would_not_load_is_left_unchanged(tmp_path: Path) -> None:
    """A restaurant another account already has: the loader's line, naming the real file
    and the account, and nothing written (no table, no secret file, no check file left)."""
    path = write_accounts(tmp_path, {"harbor-group": harbor()})
    before = path.read_text()
    with pytest.raises(ConfigError) as info:
        save_account(target(path), new_account(lake=HARBOR_GUIDS[0]))
    detail = info.value.detail
    assert str(path) in detail and "'lake'" in detail and "harbor-group" in detail
    assert "not changed" in detail and SECRET not in detail
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.toml"]


def test_aliases_skip_those_other_accounts_use() -> None:
    """A restaurant named like another account's alias gets the next free alias."""
    found = [Reachable(LAKE_GUID, "Harbor")]
    assert propose_aliases(found, {"harbor"}) == {"harbor-2": LAKE_GUID}


def test_at_a_terminal_the_default_accounts_credentials_are_not_taken() -> None:
    """At a terminal TOAST_CLIENT_ID/SECRET (the account `default`'s) are left out, so setup
    asks for the new account's; with --yes they are the new account's."""
    environ = {"TOAST_API_URL": "https://x.test", "TOAST_CLIENT_ID": "default-client",
               "TOAST_CLIENT_SECRET": "default-secret"}
    assert credentials_source(environ, asking=True) == {"TOAST_API_URL": "https://x.test"}
    assert credentials_source(environ, asking=False) == environ


def test_login_settings_left_out_take_their_defaults_not_the_environments() -> None:
    """The new account's login settings that were not given are the defaults (not the
    account `default`'s TOAST_AUTH_MODE from the environment); given ones win."""
    assert with_login_defaults({"TOAST_CLIENT_ID": "x"}) == {
        "TOAST_CLIENT_ID": "x", "TOAST_AUTH_MODE": "machine",
        "TOAST_USER_ACCESS_TYPE": "TOAST_MACHINE_CLIENT"}
    assert with_login_defaults({"TOAST_AUTH_MODE": "legacy"})["TOAST_AUTH_MODE"] == "legacy"


def test_user_access_type_is_written_only_when_not_the_default() -> None:
    """The table names user_access_type only when the login used another than Toast's
    machine-client default."""
    assert account_fields(new_account(), None)["user_access_type"] is None
    other = NewAccount(**{**new_account().__dict__, "user_access_type": "EXTERNAL_PARTNER"})
    assert account_fields(other, Path("secrets/lake"))["user_access_type"] == "EXTERNAL_PARTNER"


def test_summary_names_the_reload_and_the_accounts_webhook_url(tmp_path: Path) -> None:
    """The summary says where the secret went, how to reload, the account's webhook URL and
    where its webhook secrets go; it shows the screen key in player URLs, never the secret."""
    text = account_summary(AccountDone(
        name="lake", accounts_file=tmp_path / "accounts.toml",
        secret_file=tmp_path / "secrets" / "lake", public_url="https://relay.example.com",
        aliases={"lake": "Lake Café"}, screen_key="lake-screen-key-0123456789",
        token_file=tmp_path / "data" / "accounts" / "lake" / "token.json", access="standard",
        client_id="lake-client"))
    assert "https://relay.example.com/board/lake?key=lake-screen-key-0123456789" in text
    assert "https://relay.example.com/webhooks/toast/lake" in text
    assert "kill -HUP" in text and "/admin/reload" in text
    assert "toast-relay check --account lake" in text
    assert "webhook_secrets = [" in text and "[accounts.lake]" in text
    assert f"RELAY_DATA_DIR={tmp_path / 'data'}" in text and SECRET not in text
