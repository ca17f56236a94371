"""A token Toast refused (401): never sent again, the shared one taken at once, calls paused
after a second refusal instead of repeated (issue 27; docs/toast-tokens.md)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.errors import ToastAuthError, ToastUnavailable
from app.store.tokens import StoredToken, fingerprint
from app.toast.jwt import token_expiry
from app.toast.token import TokenManager
from app.toast.token_state import expiry_margin
from tests.support.toast_fakes import (
    FakeAuth,
    LockingSharedStore,
    RecordingClock,
    SharedStore,
    drive,
    manager,
)

SHORT = 40.0


def revoke(auth: FakeAuth, lifetime: float = SHORT) -> None:
    """Toast forgets every token; the next login gets a new one of ``lifetime`` seconds."""
    auth.token = None
    auth.lifetime = lifetime


def replicas(clock: RecordingClock, http: httpx.AsyncClient,
             n: int = 2) -> tuple[SharedStore, list[TokenManager]]:
    store = SharedStore()
    return store, [manager(clock, http, store=store, refresh_window=15) for _ in range(n)]


async def test_refused_long_token_gives_way_to_the_shorter_one_another_replica_got(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A replica whose day-long token is refused takes the 40 s token another replica got
    after the same revocation, though its own would expire later, and never sends it again."""
    _, (a, b) = replicas(clock, http)
    dead = await a.get_token()
    assert await b.get_token() == dead
    revoke(auth)
    fresh = await drive(clock, a.handle_unauthorized(dead))
    assert fresh != dead and len(auth.requests) == 2
    assert await b.handle_unauthorized(dead) == fresh
    assert await b.get_token() == fresh
    assert len(auth.requests) == 2


async def test_concurrent_refusals_on_a_replica_take_the_shared_token_without_a_pause(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Several calls refused together on one replica: all take the token another replica got
    after its re-login; the ones finishing later do not count as a second refusal."""
    store, (a, b) = replicas(clock, http)
    dead = await a.get_token()
    assert await b.get_token() == dead
    revoke(auth)
    fresh = await drive(clock, a.handle_unauthorized(dead))
    assert await asyncio.gather(*(b.handle_unauthorized(dead) for _ in range(5))) == [fresh] * 5
    record = await store.load()
    assert record is not None and record.paused_until == 0.0
    assert b.status()["pausedUntil"] is None and len(auth.requests) == 2


async def test_second_refusal_pauses_calls_until_the_refused_token_would_expire(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """After the one re-login, a second 401 raises, no token is handed out and no login is
    made until the refused token's expiry; then one ordinary login, and calls resume."""
    auth.lifetime = SHORT
    tokens = manager(clock, http, refresh_window=15)
    first = await tokens.get_token()
    revoke(auth)
    second = await drive(clock, tokens.handle_unauthorized(first))
    revoke(auth)
    with pytest.raises(ToastAuthError, match="no calls to Toast until"):
        await tokens.handle_unauthorized(second)
    assert tokens.ready()[0] and tokens.status()["pausedUntil"] is not None
    exp = token_expiry(second)
    assert exp is not None
    while clock.now() < exp - expiry_margin(15) - 1:
        with pytest.raises(ToastAuthError):
            await tokens.get_token()
        await clock.advance(1)
    assert len(auth.requests) == 2  # no login during the pause
    await clock.advance(1)
    third = await tokens.get_token()
    assert third not in (first, second) and len(auth.requests) == 3
    assert tokens.status()["pausedUntil"] is None


async def test_a_refused_token_is_never_handed_out_again(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Once refused twice (re-login used up), get_token never returns that token, however
    often it is asked, while the token itself is still within its lifetime."""
    tokens = manager(clock, http)  # day-long tokens: the pause is the 30-minute gate
    first = await tokens.get_token()
    revoke(auth, 86400)
    second = await drive(clock, tokens.handle_unauthorized(first))
    with pytest.raises(ToastAuthError):
        await tokens.handle_unauthorized(second)
    for _ in range(29):
        await clock.advance(60)
        with pytest.raises(ToastAuthError):
            await tokens.get_token()
    assert len(auth.requests) == 2


async def test_a_pause_and_its_refusal_reach_the_other_replicas(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A second refusal on one replica is saved: another replica holding the same token
    stops at its own next 401 (or next read of the store) without a login."""
    auth.lifetime = SHORT
    store, (a, b) = replicas(clock, http)
    first = await a.get_token()
    revoke(auth)
    second = await drive(clock, a.handle_unauthorized(first))
    assert await b.get_token() == second
    revoke(auth)
    with pytest.raises(ToastAuthError):
        await a.handle_unauthorized(second)
    record = await store.load()
    assert record is not None and fingerprint(second) in record.refused
    assert record.access_token == "" and record.paused_until > clock.now()
    with pytest.raises(ToastAuthError, match="no calls to Toast"):
        await b.handle_unauthorized(second)
    with pytest.raises(ToastAuthError):
        await b.get_token()
    late = manager(clock, http, store=store, refresh_window=15)  # a replica started now
    with pytest.raises(ToastAuthError):
        await late.get_token()
    assert len(auth.requests) == 2


async def test_a_replica_learns_of_a_refusal_within_a_second_without_sending_the_token(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A replica holding a token another replica had refused stops handing it out within
    a second (its look at the shared record), not only at its own 401."""
    auth.lifetime = SHORT
    _, (a, b) = replicas(clock, http)
    first = await a.get_token()
    revoke(auth)
    second = await drive(clock, a.handle_unauthorized(first))
    assert await b.get_token() == second
    revoke(auth)
    with pytest.raises(ToastAuthError):
        await a.handle_unauthorized(second)
    await clock.advance(1)
    with pytest.raises(ToastAuthError, match="no calls to Toast"):
        await b.get_token()
    assert len(auth.requests) == 2


async def test_a_token_another_replica_obtained_ends_a_pause_at_once(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A paused replica takes a working token from the store on its next call, without
    waiting for the pause to end and without a login of its own."""
    auth.lifetime = SHORT
    store, (a,) = replicas(clock, http, 1)
    first = await a.get_token()
    revoke(auth)
    second = await drive(clock, a.handle_unauthorized(first))
    with pytest.raises(ToastAuthError):
        await a.handle_unauthorized(second)
    record = await store.load()
    assert record is not None
    now = clock.now()
    await store.save(StoredToken("other-replicas-token", now + 3600, now, record.login_times,
                                 relogin_at=record.relogin_at, refused=record.refused,
                                 paused_until=0.0))
    assert await a.get_token() == "other-replicas-token"
    assert len(auth.requests) == 2


async def test_toast_handing_back_the_refused_token_is_its_own_word(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """If the one re-login returns the very token refused (Toast's same-token rule), that
    answer is used; a refusal of it again pauses rather than re-logging in."""
    tokens = manager(clock, http)
    first = await tokens.get_token()
    assert await drive(clock, tokens.handle_unauthorized(first)) == first
    assert await tokens.get_token() == first
    with pytest.raises(ToastAuthError):
        await tokens.handle_unauthorized(first)
    with pytest.raises(ToastAuthError):
        await tokens.get_token()
    assert len(auth.requests) == 2


async def test_a_refusal_of_an_expired_token_is_an_ordinary_login(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A 401 for a token already past its expiry, inside the 30 minutes after a re-login,
    logs in at once (Toast issues a new token then) instead of pausing."""
    auth.lifetime = SHORT
    tokens = manager(clock, http, refresh_window=15)
    first = await tokens.get_token()
    revoke(auth)
    second = await drive(clock, tokens.handle_unauthorized(first))
    await clock.advance(SHORT)
    third = await drive(clock, tokens.handle_unauthorized(second))
    assert third not in (first, second) and len(auth.requests) == 3


async def test_two_refusals_at_once_a_second_after_a_login_share_the_one_relogin(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two calls refused together a second after a login: one re-login serves both, no pause."""
    caplog.set_level("INFO")
    auth.lifetime = SHORT
    store, (tokens,) = replicas(clock, http, 1)
    dead = await tokens.get_token()
    await clock.advance(1)
    revoke(auth)
    got = await drive(clock, asyncio.gather(*(tokens.handle_unauthorized(dead)
                                              for _ in range(2))))
    assert got[0] == got[1] != dead
    assert len(auth.requests) == 2 and "Toast login (401)" in caplog.text
    assert "again after a re-login" not in caplog.text
    record = await store.load()
    assert record is not None and record.paused_until == 0.0
    assert tokens.status()["pausedUntil"] is None
    assert await tokens.get_token() == got[0]


async def test_refusals_on_two_replicas_at_once_cost_one_relogin_and_no_pause(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A 401 on one replica and two on another at once, under the login lock: one re-login."""
    auth.lifetime = SHORT
    store = LockingSharedStore()
    a, b = (manager(clock, http, store=store, refresh_window=15) for _ in range(2))
    dead = await a.get_token()
    assert await b.get_token() == dead
    await clock.advance(1)
    revoke(auth)
    got = await drive(clock, asyncio.gather(a.handle_unauthorized(dead),
                                            b.handle_unauthorized(dead),
                                            b.handle_unauthorized(dead)))
    assert len(set(got)) == 1 and dead not in got
    assert len(auth.requests) == 2
    assert a.status()["pausedUntil"] is None and b.status()["pausedUntil"] is None
    assert await b.get_token() == got[0]


async def test_a_late_refusal_after_a_failed_relogin_does_not_pause_calls(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A 401 for a token already refused, after the re-login failed, awaits the login backoff."""
    tokens = manager(clock, http)  # day-long tokens: a pause would last the 30 minutes
    dead = await tokens.get_token()
    revoke(auth, 86400)
    auth.fail_status = 503
    with pytest.raises(ToastUnavailable):
        await drive(clock, tokens.handle_unauthorized(dead))
    with pytest.raises(ToastUnavailable, match="next try in"):  # sent before the refusal
        await tokens.handle_unauthorized(dead)
    assert tokens.status()["pausedUntil"] is None
    auth.fail_status = None
    await clock.advance(10)  # the first backoff after Toast failing
    fresh = await tokens.get_token()
    assert fresh != dead and len(auth.requests) == 3


async def test_calls_after_a_quiet_spell_all_wait_for_the_look_at_the_shared_record(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A replica quiet while another had its token refused: the calls it then makes together
    all get the other replica's new token, none the refused one (the look is awaited)."""
    _, (a, b) = replicas(clock, http)
    dead = await a.get_token()
    assert await b.get_token() == dead
    revoke(auth)
    fresh = await drive(clock, a.handle_unauthorized(dead))
    await clock.advance(30)
    assert await asyncio.gather(*(b.get_token() for _ in range(4))) == [fresh] * 4
    assert len(auth.requests) == 2
