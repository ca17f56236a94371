"""``toast-relay setup --account NAME``: the new account goes into RELAY_ACCOUNTS_FILE.

Instead of a ``.env``, setup appends an ``[accounts.NAME]`` table to the accounts file
(docs/accounts.md). The client secret goes to its own file beside it
(``secrets/NAME``, mode 0600) that the table names with ``client_secret_file``, so the
accounts file holds keys but no Toast secret. Nothing is written unless the file as it
will be loads as the relay loads it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.config import Settings, append_account, load_accounts, load_settings
from app.config.accounts_file import (
    ACCOUNT_NAME_RE,
    ACCOUNT_NAME_RULE,
    account_toml,
    read_accounts_file,
)
from app.errors import ConfigError
from app.files import atomic_write, private_dir

SECRETS_DIR = "secrets"
"""Beside the accounts file; a relative ``client_secret_file`` is read from that folder."""

DEFAULT_ACCOUNT_CREDENTIALS = ("TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET", "TOAST_AUTH_MODE",
                               "TOAST_USER_ACCESS_TYPE")


@dataclass(frozen=True)
class AccountTarget:
    """Where the new account goes, checked before anything is asked of Toast."""

    name: str
    accounts_file: Path
    data_dir: Path
    """The account's own data folder, as the relay derives it: RELAY_DATA_DIR/accounts/NAME
    (setup saves the token there, so the relay's first load of the account needs no login)."""
    taken: frozenset[str] = frozenset()
    """Aliases other accounts of the file already use (aliases are unique across the file)."""

    @property
    def secret_file(self) -> Path:
        """As written in the table: relative, so the folder can move with its secrets."""
        return Path(SECRETS_DIR) / self.name


@dataclass(frozen=True)
class NewAccount:
    api_url: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_mode: str
    restaurants: Mapping[str, str]
    screen_key: str = field(repr=False)
    admin_key: str = field(repr=False)
    user_access_type: str = "TOAST_MACHINE_CLIENT"


def account_target(name: str, accounts_file: Path | None, data_dir: Path | None,
                   environ: Mapping[str, str]) -> AccountTarget:
    """The checked target: a usable name not yet in the file; ``ConfigError`` otherwise."""
    if not ACCOUNT_NAME_RE.fullmatch(name):
        raise ConfigError(f"--account {name[:60]!r} is not usable; {ACCOUNT_NAME_RULE}")
    path = accounts_file or (Path(environ["RELAY_ACCOUNTS_FILE"])
                             if environ.get("RELAY_ACCOUNTS_FILE", "").strip() else None)
    if path is None:
        raise ConfigError("setup --account needs the accounts file: pass --accounts-file PATH "
                          "or set RELAY_ACCOUNTS_FILE (it is created if missing)")
    tables = read_accounts_file(path) if path.exists() else {}
    if name in tables:
        raise ConfigError(f"--account {name!r} is already in {path}; choose another name, or "
                          "edit that account's table in the file")
    taken = frozenset(alias for table in tables.values()
                      if isinstance(restaurants := table.get("restaurants"), dict)
                      for alias, guid in restaurants.items() if alias != guid)
    base = data_dir or Path(environ.get("RELAY_DATA_DIR", "").strip() or "data")
    return AccountTarget(name, path, base.resolve() / "accounts" / name, taken)


def credentials_source(environ: Mapping[str, str], asking: bool) -> dict[str, str]:
    """The environment setup takes the new account's credentials from. At a terminal the
    TOAST_* credentials there describe the account ``default``, not the one being added:
    they are left out (and asked for); with ``--yes`` they are the new account's."""
    if not asking:
        return dict(environ)
    return {k: v for k, v in environ.items() if k not in DEFAULT_ACCOUNT_CREDENTIALS}


def with_login_defaults(values: Mapping[str, str]) -> dict[str, str]:
    """``values`` with the login settings they leave out at their defaults: ``Settings``
    would otherwise read those from the process environment, the account ``default``'s."""
    unset = {name: str(Settings.model_fields[name.lower()].default)
             for name in ("TOAST_AUTH_MODE", "TOAST_USER_ACCESS_TYPE")}
    return {**unset, **values}


def account_fields(new: NewAccount, secret: Path | None) -> dict[str, object]:
    """The table's fields: the secret by file (``secret``), or inline (only for the check)."""
    return {
        "api_url": new.api_url,
        "client_id": new.client_id,
        "client_secret_file": str(secret) if secret is not None else None,
        "client_secret": new.client_secret if secret is None else None,
        "auth_mode": new.auth_mode,
        "user_access_type": (new.user_access_type if new.user_access_type
                             != Settings.model_fields["toast_user_access_type"].default
                             else None),
        "restaurants": dict(new.restaurants),
        "screen_keys": [new.screen_key],
        "admin_key": new.admin_key,
    }


def save_account(target: AccountTarget, new: NewAccount) -> Path:
    """Check that the file with the new table loads, then write the secret file and append
    the table; returns the secret file's path."""
    path = target.accounts_file
    try:
        private_dir(path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot create {path.parent} ({exc.strerror}); choose another "
                          "--accounts-file") from None
    check_loads(path, target.name, account_fields(new, None))
    secret_path = path.parent / target.secret_file
    try:
        atomic_write(secret_path, new.client_secret.encode("utf-8") + b"\n", mode=0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {secret_path} ({exc.strerror}); the accounts file "
                          "was not changed") from None
    append_account(path, target.name, account_fields(new, target.secret_file))
    return secret_path


def check_loads(path: Path, name: str, fields: Mapping[str, object]) -> None:
    """``ConfigError`` (the loader's own line, naming ``path``) unless the accounts file with
    this table added loads as the relay would load it. The relay's TOAST_* account
    ``default`` is not known here: ``toast-relay check`` with the relay's settings knows it."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    candidate = (current.rstrip("\n") + "\n\n" if current.strip() else "") + account_toml(
        name, fields)
    # Beside the real file, so the other accounts' relative secret files resolve alike;
    # 0600 as it briefly holds the new secret inline.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".check")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(candidate)
        # The relay-wide settings as this environment has them, but no account `default`:
        # with --yes the TOAST_* variables here are the new account's own credentials.
        load_accounts(load_settings(relay_accounts_file=tmp, toast_client_id="",
                                    toast_client_secret="", toast_api_url="",
                                    relay_api_keys=""))
    except ConfigError as exc:
        raise ConfigError(exc.detail.replace(tmp, str(path))
                          + " (the accounts file was not changed)") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
