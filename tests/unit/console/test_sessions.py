"""Session cookies: signed, expiring after 12 h, revocable, never holding the key."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from app.clock import FakeClock
from app.console.sessions import (
    SESSION_SECONDS,
    Sessions,
    sign,
    store_key,
    verify,
)
from app.store.session_secret import SecretSource, file_secret
from app.store.sessions import MemorySessions

SECRET = b"s" * 40
ADMIN = "admin-key-0123456789abcdef"


def sessions(clock: FakeClock, store: MemorySessions | None = None) -> Sessions:
    return Sessions(store or MemorySessions(), clock, SecretSource(SECRET))


def test_a_signed_cookie_verifies_until_it_expires() -> None:
    """A cookie's MAC checks out and names its id until the expiry second, not after."""
    cookie = sign(SECRET, "abc", 1000)
    assert verify(SECRET, cookie, 999.0) == "abc"
    assert verify(SECRET, cookie, 1000.0) is None


@pytest.mark.parametrize("cookie", [
    sign(b"o" * 40, "abc", 1000),            # another secret
    sign(SECRET, "abc", 1000).replace("abc", "abd", 1),   # another id, same MAC
    sign(SECRET, "abc", 1000).replace(".1000.", ".9999."),  # a later expiry, same MAC
    "abc", "a.b.c", "abc.1x0.00", "",
])
def test_a_forged_or_malformed_cookie_is_refused(cookie: str) -> None:
    """A cookie whose MAC, id or expiry was changed, or that is not a cookie at all, names
    no session."""
    assert verify(SECRET, cookie, 10.0) is None


async def test_a_session_lasts_twelve_hours() -> None:
    """A new session's cookie works until 12 h after sign-in and not a second longer."""
    clock = FakeClock()
    book = sessions(clock)
    session, cookie = await book.create("*")
    assert await book.find(cookie) == session
    await clock.advance(SESSION_SECONDS - 1)
    assert await book.find(cookie) == session
    await clock.advance(1)
    assert await book.find(cookie) is None


async def test_sign_out_ends_the_session_on_the_server() -> None:
    """After sign-out the very same (validly signed, unexpired) cookie finds nothing."""
    book = sessions(FakeClock())
    session, cookie = await book.create("*")
    await book.end(session)
    assert await book.find(cookie) is None


async def test_every_sign_in_makes_a_new_id_and_csrf_token() -> None:
    """Two sign-ins never share a session id or CSRF token (no fixation, no reuse)."""
    book = sessions(FakeClock())
    first, _ = await book.create("*")
    second, _ = await book.create("*")
    assert first.sid != second.sid and first.csrf != second.csrf


async def test_neither_cookie_nor_store_holds_the_key_or_the_id_in_clear() -> None:
    """The store is keyed by a hash of the id; the cookie and record never hold a key."""
    store = MemorySessions()
    book = sessions(FakeClock(), store)
    session, cookie = await book.create("*")
    assert ADMIN not in cookie
    assert list(store._data) == [store_key(session.sid)]
    assert session.sid.encode() not in b"".join(store._data.values())


async def test_a_cookie_signed_with_another_secret_finds_nothing() -> None:
    """Sessions signed by a relay with another secret are not honoured here."""
    store = MemorySessions()
    _, cookie = await sessions(FakeClock(), store).create("*")
    other = Sessions(store, FakeClock(), SecretSource(b"o" * 40))
    assert await other.find(cookie) is None


def test_a_generated_secret_is_kept_private_and_reused(tmp_path: Path) -> None:
    """Without RELAY_SESSION_SECRET the secret is generated once into a 0600 file and the
    next start reads the same one."""
    first = file_secret(tmp_path)
    assert (tmp_path / "session-secret").stat().st_mode & 0o777 == 0o600
    assert file_secret(tmp_path) == first and len(first) >= 32


async def test_a_configured_secret_wins() -> None:
    """RELAY_SESSION_SECRET is used as given, never replaced by a generated one."""
    assert await SecretSource(SECRET)() == SECRET


async def test_a_session_remembers_its_account() -> None:
    """A session made for an account's admin key finds that account again."""
    book = sessions(FakeClock())
    _, cookie = await book.create("agency")
    found = await book.find(cookie)
    assert found is not None and found.account == "agency"


async def test_a_record_without_an_account_sees_every_account() -> None:
    """A session stored before accounts (no ``account`` field) still works, as
    RELAY_ADMIN_KEY's (``*``)."""
    store = MemorySessions()
    book = sessions(FakeClock(), store)
    session, cookie = await book.create("*")
    old = orjson.dumps({"csrf": session.csrf, "expires": session.expires})
    await store.put(store_key(session.sid), old, SESSION_SECONDS)
    found = await book.find(cookie)
    assert found is not None and found.account == "*" and found.csrf == session.csrf
