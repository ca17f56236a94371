"""`toast-relay check` with accounts: which accounts it looks at."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.check import accounts_to_check
from app.config import Settings, load_accounts, load_settings
from app.errors import ConfigError
from tests.support.accounts_files import ENV_DEFAULT, harbor, lake, write_accounts


def accounts(tmp_path: Path) -> tuple[Path, dict[str, Settings]]:
    path = write_accounts(tmp_path, {"harbor-group": harbor(), "lake": lake()})
    return path, load_accounts(load_settings({"RELAY_ACCOUNTS_FILE": str(path), **ENV_DEFAULT}))


def test_every_account_in_order_without_a_name(tmp_path: Path) -> None:
    """Without --account: every account, `default` first, then the file's in file order."""
    path, all_accounts = accounts(tmp_path)
    chosen = accounts_to_check(all_accounts, None, path)
    assert list(chosen) == ["default", "harbor-group", "lake"]


def test_one_account_by_name(tmp_path: Path) -> None:
    """--account NAME: that account only."""
    path, all_accounts = accounts(tmp_path)
    assert list(accounts_to_check(all_accounts, "lake", path)) == ["lake"]


def test_an_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    """An unknown name: one line naming the file and listing the accounts."""
    path, all_accounts = accounts(tmp_path)
    with pytest.raises(ConfigError) as info:
        accounts_to_check(all_accounts, "nope", path)
    assert str(path) in info.value.detail
    assert "default, harbor-group, lake" in info.value.detail


def test_a_name_without_an_accounts_file_says_to_set_it() -> None:
    """--account other than `default` without RELAY_ACCOUNTS_FILE: one line naming it."""
    settings = load_settings(ENV_DEFAULT)
    with pytest.raises(ConfigError) as info:
        accounts_to_check({"default": settings}, "lake", None)
    assert "RELAY_ACCOUNTS_FILE is not set" in info.value.detail
