"""Who signs in to the console: every admin key, each to the account it manages."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from app.access import KeyRing
from app.clock import FakeClock
from app.console.gate import Gate
from app.console.sessions import Sessions
from app.store.session_secret import SecretSource
from app.store.sessions import MemorySessions

ADMIN = "admin-key-0123456789abcdef"
AGENCY = "agency-admin-0123456789abcdef"
HARBOR = "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"
TACO = "2f6c1b9e-8d8e-4a5e-9a51-6c1f0b1d2e3f"


def gate(admin: str | None, agency: str | None) -> Gate:
    keys = KeyRing.of_accounts({
        "default": ({}, {"harbor": HARBOR}, SecretStr(admin) if admin else None),
        "agency": ({}, {"taco": TACO}, SecretStr(agency) if agency else None),
    }, SecretStr(admin) if admin else None)
    clock = FakeClock()
    return Gate(keys, Sessions(MemorySessions(), clock, SecretSource(b"s" * 40)), clock)


@pytest.mark.parametrize(("presented", "account"), [
    (ADMIN, "*"), (AGENCY, "agency"), ("wrong-key-0123456789abcdef", None), ("", None),
    (ADMIN[:-1], None), (AGENCY + "x", None),
])
def test_each_admin_key_signs_in_to_its_account(presented: str, account: str | None) -> None:
    """RELAY_ADMIN_KEY signs in to every account (``*``), an account's admin_key to that
    account, anything else (a near miss included) to none."""
    assert gate(ADMIN, AGENCY).account_of(presented) == account


@pytest.mark.parametrize(("admin", "agency", "enabled"), [
    (ADMIN, None, True), (None, AGENCY, True), (None, None, False),
])
def test_the_console_is_on_with_any_admin_key(admin: str | None, agency: str | None,
                                              enabled: bool) -> None:
    """The console is on while any admin key is set (RELAY_ADMIN_KEY or an account's),
    off (404) with none."""
    assert gate(admin, agency).enabled is enabled
