"""The host printed in URLs for a bind address (the LAN address is injected)."""

from __future__ import annotations

import pytest

from app.lan import lan_address, url_host

ANY = "0.0.0.0"  # noqa: S104 - a bind address under test, nothing listens here


@pytest.mark.parametrize(("bind", "lan", "shown"), [
    (ANY, "192.168.1.20", "192.168.1.20"),
    ("::", "10.0.0.5", "10.0.0.5"),
    (ANY, None, "127.0.0.1"),
    ("127.0.0.1", "192.168.1.20", "127.0.0.1"),
    ("192.168.1.7", "192.168.1.20", "192.168.1.7"),
    ("fe80::1", None, "[fe80::1]"),
])
def test_url_host(bind: str, lan: str | None, shown: str) -> None:
    """A wildcard bind prints the LAN address (127.0.0.1 without one); others print as is."""
    assert url_host(bind, lambda: lan) == shown


def test_lan_address_is_never_loopback() -> None:
    """The LAN address, when there is one, is a real interface address, not loopback."""
    address = lan_address()
    assert address is None or not address.startswith("127.")
