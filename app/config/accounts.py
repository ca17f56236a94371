"""Accounts: several Toast clients in one relay, each a complete ``Settings``.

``load_accounts`` reads RELAY_ACCOUNTS_FILE (app/config/accounts_file.py), gives each account
the relay-wide settings with its own fields put in, and checks the result with the very
validators the environment goes through; app/config/account_rules.py then checks what
accounts must not share. docs/accounts.md is the reference.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import ValidationError

from app.config.account_rules import check_between_accounts, check_key_scopes
from app.config.accounts_file import AccountProblem, accounts_error, read_accounts_file
from app.config.loading import one_line
from app.config.settings import Settings

DEFAULT_ACCOUNT = "default"
"""The account the TOAST_* variables describe (the only one without an accounts file)."""

_SETTING_OF = {
    "api_url": "toast_api_url", "client_id": "toast_client_id",
    "client_secret": "toast_client_secret", "client_secret_file": "toast_client_secret",
    "auth_mode": "toast_auth_mode", "user_access_type": "toast_user_access_type",
    "restaurants": "relay_restaurants", "screen_keys": "relay_api_keys",
    "admin_key": "relay_admin_key", "webhook_secrets": "relay_webhook_secret",
    "refresh_interval": "relay_refresh_interval", "stock_interval": "relay_stock_interval",
}
"""Each field of an ``[accounts.NAME]`` table → the setting it gives that account."""
_FIELD_OF = {setting: field for field, setting in _SETTING_OF.items()}

_REQUIRED = {
    "api_url": "set the account's Toast base URL, e.g. \"https://ws-api.toasttab.com\"",
    "client_id": "copy the account's client id from Toast Web",
    "restaurants": "list the account's restaurants (alias = GUID): requests reach an "
                   "account through its restaurants",
    "screen_keys": "give the account's screens at least one key of 16+ characters",
}


def load_accounts(base: Settings) -> dict[str, Settings]:
    """Every account's settings by name: ``default`` first when the TOAST_* variables
    describe one, then the accounts file's in file order.

    Without RELAY_ACCOUNTS_FILE that is ``{"default": base}``, ``base`` itself. A file
    account's settings are complete like a lone relay's (``relay_accounts_file`` None;
    reloading reads ``base``'s). A problem is a ``ConfigError`` of one line naming the
    file, the account and the field.
    """
    path = base.relay_accounts_file
    if path is None:
        return {DEFAULT_ACCOUNT: base}
    tables = read_accounts_file(path)
    accounts = {DEFAULT_ACCOUNT: base} if base.describes_account else {}
    for name, table in tables.items():
        if name in accounts:
            raise accounts_error(path, "name is taken: TOAST_CLIENT_ID and TOAST_CLIENT_SECRET "
                                       "describe the account 'default'; rename this one, or "
                                       "unset those variables", name)
        try:
            accounts[name] = _account(name, table, base, path)
        except AccountProblem as exc:
            raise accounts_error(path, str(exc), name) from None
    if not accounts:
        raise accounts_error(path, "names no account, and TOAST_CLIENT_ID is not set; add an "
                                   "[accounts.NAME] table (docs/accounts.md)")
    check_between_accounts(accounts, base, path)
    return accounts


def _account(name: str, table: dict[str, Any], base: Settings, path: Path) -> Settings:
    for field, how in _REQUIRED.items():
        if field not in table:
            raise AccountProblem(f"{field} is not set; {how}")
    secret_field = "client_secret_file" if "client_secret_file" in table else "client_secret"
    # Every field passed, the relay-wide ones as `base` has them: Settings would otherwise
    # read the missing ones from the environment, which describes the account `default`.
    # Without an accounts file of its own the account is checked as complete, as a lone
    # relay's settings are (a blank client id is an error, not "no account").
    values = base.model_dump() | _own_values(name, table, base, path) | {
        "relay_accounts_file": None}
    try:
        settings = Settings(_env_file=None, **values)
    except ValidationError as exc:
        raise AccountProblem(_problem(exc, secret_field)) from None
    check_key_scopes(settings)
    return settings


def _own_values(name: str, table: dict[str, Any], base: Settings, path: Path) -> dict[str, Any]:
    """The settings this account's table gives it; unset optional ones take the defaults of
    an account (not those of the account `default`)."""
    webhook_secrets = _webhook_secrets(table.get("webhook_secrets"))
    return {
        "toast_api_url": _text(table, "api_url"),
        "toast_client_id": _text(table, "client_id"),
        "toast_client_secret": _client_secret(name, table, path),
        "toast_auth_mode": _text(table, "auth_mode", _default("toast_auth_mode")),
        "toast_user_access_type": _text(table, "user_access_type",
                                        _default("toast_user_access_type")),
        "relay_restaurants": _restaurants(table["restaurants"]),
        "relay_api_keys": _screen_keys(table["screen_keys"]),
        "relay_admin_key": _text(table, "admin_key"),
        "relay_webhook_secret": webhook_secrets,
        "relay_refresh_interval": _refresh_interval(table, base, webhooks=bool(webhook_secrets)),
        "relay_stock_interval": _interval(table, "stock_interval", base.relay_stock_interval),
        "relay_data_dir": (base.relay_data_dir / "accounts" / name
                           if base.relay_data_dir is not None else None),
    }


def _problem(exc: ValidationError, secret_field: str) -> str:
    """Settings' own line for the first problem, under the table's field name."""
    loc = exc.errors()[0].get("loc") or ()
    setting = str(loc[0]) if loc else ""
    line = one_line(exc)
    field = secret_field if setting == "toast_client_secret" else _FIELD_OF.get(setting)
    if field and line.startswith(setting.upper()):
        return field + line[len(setting):]
    return line


def _default(setting: str) -> Any:
    return Settings.model_fields[setting].default


def _kind(value: object) -> str:
    """How TOML calls what was written instead."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str | list | dict):
        return {str: "a string", list: "an array", dict: "a table"}[type(value)]
    return "a date"


def _text(table: dict[str, Any], field: str, unset: str | None = None) -> str | None:
    value = table.get(field, unset)
    if value is not None and not isinstance(value, str):
        raise AccountProblem(f"{field} must be a string in quotes, not {_kind(value)}")
    return value


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _client_secret(name: str, table: dict[str, Any], path: Path) -> str:
    if "client_secret" in table and "client_secret_file" in table:
        raise AccountProblem("client_secret and client_secret_file are both set; keep one")
    if "client_secret_file" not in table:
        secret = _text(table, "client_secret")
        if secret is None:
            raise AccountProblem("client_secret_file is not set; point it at a file holding "
                                 "the client secret (or set client_secret)")
        return secret
    written = _text(table, "client_secret_file") or ""
    # A relative path is taken from the accounts file's folder, not the working directory.
    secret_path = path.parent / Path(written).expanduser()
    try:
        with secret_path.open("rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            raw = file.read()
    except OSError as exc:
        raise AccountProblem(f"client_secret_file {secret_path} cannot be read "
                             f"({exc.strerror}); make it readable by the relay's user") from None
    if mode & 0o077:
        logging.getLogger("toast_relay").warning(
            "RELAY_ACCOUNTS_FILE %s: account %r: client_secret_file %s is open to group or "
            "others (mode %04o); chmod 600 it", path, name, secret_path, mode & 0o777)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AccountProblem(f"client_secret_file {secret_path} is not UTF-8 text; write the "
                             "client secret in it as text") from None
    # An editor or `echo` ends the file with a newline that is not part of the secret;
    # anything else in the file is.
    secret = text.removesuffix("\r\n") if text.endswith("\r\n") else text.removesuffix("\n")
    if not secret:
        raise AccountProblem(f"client_secret_file {secret_path} is empty; put the client "
                             "secret in it")
    return secret


def _restaurants(value: object) -> str:
    """As RELAY_RESTAURANTS would be written, so its parser checks GUIDs and aliases."""
    if isinstance(value, dict) and all(isinstance(guid, str) for guid in value.values()):
        table = value
    elif _strings(value):
        table = {guid: guid for guid in value}
    else:
        raise AccountProblem("restaurants must be a table of alias = \"GUID\", or an array of "
                             f"GUIDs, not {_kind(value)}")
    if not table:
        raise AccountProblem(f"restaurants is empty; {_REQUIRED['restaurants']}")
    return json.dumps(table)


def _screen_keys(value: object) -> str:
    """As RELAY_API_KEYS' JSON form, so its parser checks the keys: an array gives each key
    all of the account's restaurants."""
    if _strings(value):
        scopes: object = {key: "*" for key in value}
    elif isinstance(value, dict) and all(v == "*" or _strings(v) for v in value.values()):
        scopes = value
    else:
        raise AccountProblem("screen_keys must be an array of keys, or a table of key = "
                             f"[aliases or GUIDs] or \"*\", not {_kind(value)}")
    if not scopes:
        raise AccountProblem(f"screen_keys is empty; {_REQUIRED['screen_keys']}")
    return json.dumps(scopes)


def _webhook_secrets(value: object) -> str | None:
    """As RELAY_WEBHOOK_SECRET is written: a comma list."""
    if value is None:
        return None
    if not _strings(value):
        raise AccountProblem("webhook_secrets must be an array of secrets in quotes (one per "
                             "Toast subscription)")
    if any(not secret.strip() or "," in secret for secret in value):
        raise AccountProblem("webhook_secrets holds an empty secret or one with a comma; copy "
                             "each subscription's secret from Toast Web")
    return ",".join(value) or None


def _interval(table: dict[str, Any], field: str, inherited: float | None) -> object:
    value = table.get(field)
    if value is None:
        return inherited
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AccountProblem(f"{field} must be seconds or a duration such as \"15m\", not "
                             f"{_kind(value)}")
    return value


def _refresh_interval(table: dict[str, Any], base: Settings, *, webhooks: bool) -> object:
    # RELAY_REFRESH_INTERVAL applies to every account when the operator set it; otherwise an
    # account with webhooks polls as the 30-minute backup Toast advises (None lets Settings
    # apply that rule) and one without polls at the usual default.
    if "relay_refresh_interval" in base.model_fields_set:
        inherited: float | None = base.relay_refresh_interval
    else:
        inherited = None if webhooks else _default("relay_refresh_interval")
    return _interval(table, "refresh_interval", inherited)
