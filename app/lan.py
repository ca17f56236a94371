"""This machine's address on its local network, for URLs a TV or a player can open."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names of "every interface"
_TEST_NET = ("192.0.2.1", 9)
"""RFC 5737 TEST-NET-1: routed nowhere, so only the kernel's route choice is asked."""


def lan_address() -> str | None:
    """The IPv4 address the default route leaves by, or None without one (or on loopback).

    Connecting a UDP socket sends nothing: the kernel only picks the route and the
    source address, so this never touches the network.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(_TEST_NET)
            address = str(s.getsockname()[0])
    except OSError:
        return None
    ip = ipaddress.ip_address(address)
    return None if ip.is_loopback or ip.is_unspecified else address


def url_host(bind: str, lan: Callable[[], str | None] = lan_address) -> str:
    """The host to print in URLs for a server bound to ``bind``: the LAN address for a
    wildcard bind (127.0.0.1 when the machine has none), else ``bind`` itself."""
    if bind in WILDCARDS:
        return lan() or "127.0.0.1"
    return f"[{bind}]" if ":" in bind else bind
