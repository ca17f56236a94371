"""Accounts files for tests: a valid account's fields, the file written, the settings read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.config import Settings, account_toml, load_accounts, load_settings
from app.errors import ConfigError

HARBOR_GUIDS = ("c0dd7491-0000-4000-8000-000000000001", "c0dd7491-0000-4000-8000-000000000002")
LAKE_GUID = "c0dd7491-0000-4000-8000-0000000000aa"
DEFAULT_GUID = "c0dd7491-0000-4000-8000-0000000000df"

ENV_DEFAULT = {
    "TOAST_API_URL": "https://ws-api.toasttab.com",
    "TOAST_CLIENT_ID": "default-client",
    "TOAST_CLIENT_SECRET": "default-client-secret",
    "RELAY_API_KEYS": "default-screen-key-000",
}
"""TOAST_*/RELAY_* variables that describe the account `default`."""


def harbor(**changes: Any) -> dict[str, Any]:
    """A valid account's fields (two restaurants with aliases, one screen key); a change
    of ``None`` leaves that field out."""
    fields: dict[str, Any] = {
        "api_url": "https://ws-api.toasttab.com",
        "client_id": "harbor-client",
        "client_secret": "harbor-client-secret",
        "restaurants": {"harbor": HARBOR_GUIDS[0], "harbor-east": HARBOR_GUIDS[1]},
        "screen_keys": ["harbor-screen-key-0001"],
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def lake(**changes: Any) -> dict[str, Any]:
    """A second valid account: another client, one restaurant by GUID, its own key."""
    return harbor(**{"client_id": "lake-client", "client_secret": "lake-client-secret",
                     "restaurants": [LAKE_GUID], "screen_keys": ["lake-screen-key-00001"],
                     **changes})


def write_accounts(folder: Path, accounts: dict[str, dict[str, Any]], extra: str = "") -> Path:
    """``folder``/accounts.toml holding these accounts' tables (and ``extra`` text after)."""
    path = folder / "accounts.toml"
    path.write_text("\n".join(account_toml(name, fields) for name, fields in accounts.items())
                    + extra, encoding="utf-8")
    return path


def base_settings(path: Path, **env: str) -> Settings:
    """The relay-wide settings with RELAY_ACCOUNTS_FILE set to ``path``."""
    return load_settings({"RELAY_ACCOUNTS_FILE": str(path), **env})


def accounts_of(folder: Path, accounts: dict[str, dict[str, Any]], **env: str
                ) -> dict[str, Settings]:
    return load_accounts(base_settings(write_accounts(folder, accounts), **env))


def accounts_problem(folder: Path, accounts: dict[str, dict[str, Any]], extra: str = "",
                     **env: str) -> str:
    """The one line ``load_accounts`` refuses these accounts with."""
    path = write_accounts(folder, accounts, extra)
    with pytest.raises(ConfigError) as info:
        load_accounts(base_settings(path, **env))
    return info.value.detail
