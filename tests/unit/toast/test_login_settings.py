"""Login errors name what the operator edits: TOAST_* variables, or an account's fields."""

from __future__ import annotations

from pydantic import SecretStr

from app.toast.login import Credentials


def test_the_toast_variables_are_named_for_the_default_account() -> None:
    """Without an account name the message names the TOAST_* variables, as before."""
    creds = Credentials("id", SecretStr("s"))
    assert creds.settings("TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET", "TOAST_AUTH_MODE=machine"
                          ) == "TOAST_CLIENT_ID, TOAST_CLIENT_SECRET and TOAST_AUTH_MODE=machine"


def test_a_file_accounts_fields_are_named_for_it() -> None:
    """A file account's login error names its fields and the account, not TOAST_*."""
    creds = Credentials("id", SecretStr("s"), mode="legacy", account="agency")
    assert creds.settings("TOAST_API_URL") == (
        "api_url of account 'agency' in RELAY_ACCOUNTS_FILE")
    assert creds.settings("TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET", "TOAST_AUTH_MODE=legacy") \
        == "client_id, client_secret and auth_mode=legacy of account 'agency' in " \
           "RELAY_ACCOUNTS_FILE"
    assert creds == Credentials("id", SecretStr("s"), mode="legacy")  # same client
