"""The accounts file as written: its shape (TOML, [accounts.NAME] tables, known fields), and
one account's table written back by account_toml / append_account."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from app.config import account_toml, append_account, load_accounts
from app.errors import ConfigError
from tests.support.accounts_files import (
    HARBOR_GUIDS,
    LAKE_GUID,
    base_settings,
    harbor,
    lake,
)


def _problem_with_text(folder: Path, text: str | bytes) -> str:
    path = folder / "accounts.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_accounts(base_settings(path))
    return info.value.detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[accounts.harbor]\napi_url = \"https://ws-api.toasttab.com\"\nclient_id\n",
         ": is not valid TOML: Expected '=' after a key in a key/value pair (at line 3, "
         "column 10); fix it there"),
        ("[accounts.harbor]\nclient_secret = \"unterminated\n",
         ": is not valid TOML: "),
        ("[harbor]\napi_url = \"x\"\n",
         ": top-level key 'harbor' is not allowed; only [accounts.NAME] tables are (did you "
         "mean [accounts.harbor]?)"),
        ("api_url = \"x\"\n", ": top-level key 'api_url' is not allowed"),
        ("accounts = 5\n", ": accounts must hold [accounts.NAME] tables"),
        ("[accounts]\nharbor = \"x\"\n",
         ": account 'harbor': is not a table; write its fields under [accounts.harbor]"),
        ("[accounts.Harbor]\n", ": account 'Harbor': name is not usable; an account name is "
                                "1-40 lower-case letters, digits or '-', starting with a "
                                "letter or digit"),
        ("[accounts.\"har bor\"]\n", ": account 'har bor': name is not usable"),
        ("[accounts.-harbor]\n", ": account '-harbor': name is not usable"),
        (f"[accounts.{'a' * 41}]\n", "name is not usable"),
        ("[accounts.harbor]\nclient_secrets = \"x\"\n",
         ": account 'harbor': client_secrets is not a known field; use api_url, client_id, "
         "client_secret, client_secret_file, auth_mode, user_access_type, restaurants, "
         "screen_keys, admin_key, webhook_secrets, refresh_interval, stock_interval"),
    ],
)
def test_a_file_of_the_wrong_shape_is_one_line(tmp_path: Path, text: str, expected: str) -> None:
    """TOML syntax (with line and column), top-level keys, account names and field names:
    each problem is one line naming the file (and the account when there is one)."""
    detail = _problem_with_text(tmp_path, text)
    assert detail.startswith(f"RELAY_ACCOUNTS_FILE {tmp_path / 'accounts.toml'}: ")
    assert expected in detail
    assert "\n" not in detail


def test_a_syntax_error_never_shows_the_secret_it_sits_in(tmp_path: Path) -> None:
    """A broken line holding a secret: the error says where, not what the line holds."""
    detail = _problem_with_text(tmp_path, "[accounts.harbor]\nclient_secret = \"Zq7-secret\n")
    assert "(at line 2, column" in detail and "Zq7-secret" not in detail


def test_a_missing_or_undecodable_file_says_so(tmp_path: Path) -> None:
    """No file at the path, or a file that is not UTF-8: one line with the fix."""
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as info:
        load_accounts(base_settings(missing))
    assert info.value.detail == (f"RELAY_ACCOUNTS_FILE {missing}: cannot be read (No such file "
                                 "or directory); check the path and that the relay's user may "
                                 "read it")
    detail = _problem_with_text(tmp_path, b"[accounts.harbor]\nclient_id = \"\xff\"\n")
    assert detail.endswith(": is not UTF-8 text; save it as UTF-8")


def test_a_table_renders_as_toml_that_reads_back_the_same() -> None:
    """Strings with quotes, backslashes, newlines, control characters and non-ASCII,
    arrays, numbers and inline tables all read back as written."""
    fields = {
        "client_id": 'a "quoted" \\ back\\slash',
        "client_secret": "line\nbreak\ttab\x01\x7f café ☕",
        "restaurants": {"harbor": HARBOR_GUIDS[0], "odd key": HARBOR_GUIDS[1]},
        "screen_keys": {"k" * 20: ["harbor"], "j" * 20: "*"},
        "webhook_secrets": ["one", "two"],
        "refresh_interval": 90,
        "stock_interval": 1.5,
        "admin_key": None,
    }
    text = account_toml("harbor", fields)
    assert text.startswith("[accounts.harbor]\n") and "admin_key" not in text
    assert tomllib.loads(text) == {"accounts": {"harbor": {k: v for k, v in fields.items()
                                                           if v is not None}}}


def test_account_toml_refuses_a_bad_name_or_an_unknown_field() -> None:
    """account_toml checks the name and the field names as the reader does."""
    with pytest.raises(ConfigError, match="name is not usable"):
        account_toml("Harbor Group", harbor())
    with pytest.raises(ConfigError, match="client_secrets is not a known field"):
        account_toml("harbor", {"client_secrets": "x"})


def test_append_account_creates_a_private_file_that_loads(tmp_path: Path) -> None:
    """A missing file is created 0600 with the account; a second is appended; both load."""
    path = tmp_path / "accounts.toml"
    append_account(path, "harbor", harbor())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    append_account(path, "lake", lake())
    accounts = load_accounts(base_settings(path))
    assert list(accounts) == ["harbor", "lake"]
    assert accounts["lake"].relay_restaurants == {LAKE_GUID: LAKE_GUID}
    assert accounts["harbor"].toast_client_secret.get_secret_value() == "harbor-client-secret"


def test_append_account_keeps_what_the_file_holds(tmp_path: Path) -> None:
    """Comments and a last line without a newline stay; the file's mode is left alone."""
    path = tmp_path / "accounts.toml"
    path.write_text("# accounts of the agency\n" + account_toml("harbor", harbor()).rstrip())
    path.chmod(0o640)
    append_account(path, "lake", lake())
    text = path.read_text()
    assert text.startswith("# accounts of the agency\n[accounts.harbor]\n")
    assert "\n\n[accounts.lake]\n" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert list(load_accounts(base_settings(path))) == ["harbor", "lake"]


def test_append_account_refuses_a_name_already_there(tmp_path: Path) -> None:
    """Appending an account the file already names: ConfigError, file unchanged."""
    path = tmp_path / "accounts.toml"
    append_account(path, "harbor", harbor())
    before = path.read_text()
    with pytest.raises(ConfigError, match="account 'harbor': already exists"):
        append_account(path, "harbor", lake())
    assert path.read_text() == before


def test_append_account_refuses_a_file_that_does_not_read(tmp_path: Path) -> None:
    """A broken file is not appended to: its own error comes first."""
    path = tmp_path / "accounts.toml"
    path.write_text("[accounts.harbor\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        append_account(path, "lake", lake())
    assert path.read_text() == "[accounts.harbor\n"

