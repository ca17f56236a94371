"""RELAY_ACCOUNTS_FILE as written: the TOML read into one table per account (its shape,
names and field names checked), and one account's table written back (``toast-relay
setup --account``).

What each field means and how it becomes the account's settings is app/config/accounts.py;
docs/accounts.md is the reference.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.errors import ConfigError

ACCOUNT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ACCOUNT_NAME_RULE = ("an account name is 1-40 lower-case letters, digits or '-', starting "
                     "with a letter or digit")
"""Names go into URLs (/webhooks/toast/NAME), metric labels, Redis keys and directory
names, so they are kept to what is safe in all four."""

ACCOUNT_FIELDS = (
    "api_url", "client_id", "client_secret", "client_secret_file", "auth_mode",
    "user_access_type", "restaurants", "screen_keys", "admin_key", "webhook_secrets",
    "refresh_interval", "stock_interval",
)
"""The fields an ``[accounts.NAME]`` table may hold, in the order docs/accounts.md lists them."""

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


class AccountProblem(Exception):
    """One field of one account is wrong: ``field problem; what to do`` (no secret in it)."""


def accounts_error(path: Path, problem: str, account: str | None = None) -> ConfigError:
    """The one line start-up stops with, naming the file, the account (if any) and the field."""
    where = f" account {account!r}:" if account is not None else ""
    return ConfigError(f"RELAY_ACCOUNTS_FILE {path}:{where} {problem}")


def read_accounts_file(path: Path) -> dict[str, dict[str, Any]]:
    """Each account's table by name, in file order; ``ConfigError`` for a file that cannot
    be read or is not TOML, a name that cannot be used, or a field nobody reads."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise accounts_error(path, f"cannot be read ({exc.strerror}); check the path and "
                                   "that the relay's user may read it") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise accounts_error(path, "is not UTF-8 text; save it as UTF-8") from None
    return parse_accounts(text, path)


def parse_accounts(text: str, path: Path) -> dict[str, dict[str, Any]]:
    """``read_accounts_file`` for text already read (``path`` only names it in errors)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message says where, e.g. "Expected '=' after a key (at line 3, column 7)".
        raise accounts_error(path, f"is not valid TOML: {exc}; fix it there") from None
    for key in document:
        if key != "accounts":
            raise accounts_error(path, f"top-level key {key[:60]!r} is not allowed; only "
                                       f"[accounts.NAME] tables are (did you mean "
                                       f"[accounts.{key[:60]}]?)")
    tables = document.get("accounts", {})
    if not isinstance(tables, dict):
        raise accounts_error(path, "accounts must hold [accounts.NAME] tables, one per "
                                   "account")
    for name, table in tables.items():
        if not ACCOUNT_NAME_RE.fullmatch(name):
            raise accounts_error(path, f"name is not usable; {ACCOUNT_NAME_RULE}",
                                 name[:60])
        if not isinstance(table, dict):
            raise accounts_error(path, f"is not a table; write its fields under "
                                       f"[accounts.{name}]", name)
        for field in table:
            if field not in ACCOUNT_FIELDS:
                raise accounts_error(path, f"{field[:60]} is not a known field; use "
                                           f"{', '.join(ACCOUNT_FIELDS)}", name)
    return tables


def account_toml(name: str, fields: Mapping[str, object]) -> str:
    """One ``[accounts.NAME]`` table as TOML text, fields in the order given (a field whose
    value is None left out).

    Values: strings, numbers, booleans, arrays of them, and tables (``restaurants``,
    ``screen_keys``) written inline.
    """
    if not ACCOUNT_NAME_RE.fullmatch(name):
        raise ConfigError(f"account {name[:60]!r}: name is not usable; {ACCOUNT_NAME_RULE}")
    lines = [f"[accounts.{name}]"]
    for field, value in fields.items():
        if field not in ACCOUNT_FIELDS:
            raise ConfigError(f"account {name!r}: {field[:60]} is not a known field; use "
                              f"{', '.join(ACCOUNT_FIELDS)}")
        if value is not None:
            lines.append(f"{field} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def append_account(path: Path, name: str, fields: Mapping[str, object]) -> None:
    """Add one account's table at the end of the accounts file (created 0600: it may hold
    client secrets); ``ConfigError`` if the file already names that account."""
    table = account_toml(name, fields)
    current = ""
    if path.exists():
        if name in read_accounts_file(path):
            raise accounts_error(path, "already exists; choose another name, or edit the "
                                       "file", name)
        current = path.read_text(encoding="utf-8")
    separator = "" if not current.strip() else "\n" if current.endswith("\n") else "\n\n"
    # The file as it will be must still read: checked before anything is written.
    parse_accounts(current + separator + table, path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    try:
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as file:
            file.write(separator + table)
    except OSError as exc:
        raise accounts_error(path, f"cannot be written ({exc.strerror}); check the path and "
                                   "its permissions") from None


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, Path):
        return _toml_string(str(value))
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(_toml_value(item) for item in items) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }" if value else "{}"
    raise ConfigError(f"a {type(value).__name__} cannot be written to the accounts file; use "
                      "text, numbers, lists or tables")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
