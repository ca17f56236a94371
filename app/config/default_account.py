"""The TOAST_* settings as an account: the relay's only one without RELAY_ACCOUNTS_FILE
(so each is required), the account `default` beside such a file, present only when its
credentials are given (docs/accounts.md).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

DEFAULT_ACCOUNT_FIELDS = ("toast_api_url", "toast_client_id", "toast_client_secret",
                          "relay_api_keys")
"""Required without RELAY_ACCOUNTS_FILE; with it, only when they describe the account
`default` (TOAST_CLIENT_ID or TOAST_CLIENT_SECRET given)."""


def is_blank(value: object) -> bool:
    """Unset or only spaces (a ``NAME=`` line in .env, or a Compose variable left empty)."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return text is None or (isinstance(text, str) and not text.strip())


def check_toast_account(given: dict[str, object], *, accounts_file: bool) -> None:
    """Without an accounts file the TOAST_* settings are the relay's one account, so each is
    required; with one they describe the account `default`, present only when its
    credentials are given, and then complete."""
    if accounts_file and not (given["toast_client_id"] or given["toast_client_secret"]):
        for name in ("relay_api_keys", "toast_api_url"):
            if given[name]:  # meant for an account that does not exist: say so, not ignore
                raise ValueError(
                    f"{name.upper()} is set but TOAST_CLIENT_ID and TOAST_CLIENT_SECRET are "
                    "not, so there is no account `default` to use it; set them too, or "
                    "move it into an account of RELAY_ACCOUNTS_FILE")
        return
    for name in DEFAULT_ACCOUNT_FIELDS:
        if not given[name]:
            why = (" (TOAST_CLIENT_ID or TOAST_CLIENT_SECRET is set, so TOAST_* describe the "
                   "account `default`; unset both for no such account)") if accounts_file else ""
            # The very line `load_settings` gives for a required variable left unset.
            raise ValueError(f"{name.upper()} is not set; set it in the environment or in "
                             f".env{why}")


def without_blanks(data: dict[str, Any]) -> dict[str, Any]:
    """Settings as read, blank ones that mean "unset" left out."""
    # .env files and Compose often keep `NAME=` for a setting not in use: a blank accounts
    # file is none, and beside a file, blank TOAST_* credentials mean no account `default`.
    if is_blank(data.get("relay_accounts_file")):
        return {k: v for k, v in data.items() if k != "relay_accounts_file"}
    return {k: v for k, v in data.items() if k not in DEFAULT_ACCOUNT_FIELDS or not is_blank(v)}
