"""CSRF: the session's token and a same-origin Origin/Referer, both required."""

from __future__ import annotations

import pytest

from app.console.csrf import check, same_origin
from app.errors import Forbidden

HOST = "relay.lan:8080"


@pytest.mark.parametrize(("origin", "referer", "ok"), [
    ("http://relay.lan:8080", None, True),
    ("HTTP://Relay.LAN:8080", None, True),
    (None, "http://relay.lan:8080/admin/console/screens", True),
    ("http://evil.lan:8080", "http://relay.lan:8080/admin/", False),  # Origin wins
    ("null", None, False),  # a sandboxed frame or a no-referrer POST
    ("https://relay.lan:8080", None, False),  # another scheme is another origin
    ("http://relay.lan", None, False),  # another port is another origin
    (None, "http://relay.lan:8080.evil.lan/", False),
    (None, None, False),  # neither header: refused
])
def test_same_origin(origin: str | None, referer: str | None, ok: bool) -> None:
    """Only this scheme, host and port count as the console's own page."""
    assert same_origin("http", HOST, origin, referer) is ok


def test_the_right_token_from_the_right_origin_passes() -> None:
    """The session's token, sent from the console's own origin, is accepted."""
    check("tok", "tok", scheme="http", host=HOST, origin="http://relay.lan:8080", referer=None)


@pytest.mark.parametrize("presented", [None, "", "tok2", "to"])
def test_a_missing_or_wrong_token_is_403(presented: str | None) -> None:
    """Without the session's own token the change is refused with 403."""
    with pytest.raises(Forbidden):
        check("tok", presented, scheme="http", host=HOST, origin="http://relay.lan:8080",
              referer=None)


def test_a_cross_origin_request_is_403_even_with_the_token() -> None:
    """A leaked token does not help another site: the origin check still refuses."""
    with pytest.raises(Forbidden):
        check("tok", "tok", scheme="http", host=HOST, origin="http://evil.lan", referer=None)
