"""Replicas' token refreshes while the shared store (Redis) is unreachable: deferred toward
the token's end, one login when the outage is short, one per replica when it is long; a
401 re-login not held back by other replicas' logins (docs/redis-outage.md)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from app.store.outage import LOGIN_ROOM
from app.store.tokens import StoredToken, TokenStore
from app.toast.token import TokenManager
from app.toast.token_state import expiry_margin
from tests.support.toast_fakes import FakeAuth, RecordingClock, drive, manager

LIFETIME = 40.0
WINDOW = 15.0


class Redis:
    """The shared record and its lock; ``up`` False is the outage."""

    def __init__(self) -> None:
        self.record: StoredToken | None = None
        self.up = True
        self.lock = asyncio.Lock()


class ReplicaStore(TokenStore):
    """One replica's view: the shared record while Redis is up, its own copy while down
    (as ``RedisTokenStore`` does), and no lock at all while down."""

    shared = True

    def __init__(self, redis: Redis, phase: float) -> None:
        self.redis = redis
        self.phase = phase
        self.local: StoredToken | None = None

    @property
    def reachable(self) -> bool:
        return self.redis.up

    async def load(self) -> StoredToken | None:
        await asyncio.sleep(0)
        return self.redis.record if self.redis.up and self.redis.record else self.local

    async def peek(self) -> StoredToken | None:
        return self.redis.record if self.redis.up else None

    async def save(self, token: StoredToken) -> None:
        await asyncio.sleep(0)
        self.local = token
        if self.redis.up:
            self.redis.record = token

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[bool]:
        if not self.redis.up:
            yield False
            return
        async with self.redis.lock:
            yield True

    async def write_back(self) -> None:
        """Redis is back (empty or not): put this copy back unless a newer one is there."""
        mine, theirs = self.local, self.redis.record
        if mine is not None and (theirs is None or theirs.expires_at < mine.expires_at):
            self.redis.record = mine


def cluster(clock: RecordingClock, http: httpx.AsyncClient,
            phases: tuple[float, ...] = (0.1, 0.5, 0.9)) -> tuple[Redis, list[TokenManager]]:
    redis = Redis()
    return redis, [manager(clock, http, store=ReplicaStore(redis, p), refresh_window=WINDOW,
                           logins_per_hour=100) for p in phases]


async def start(tokens: list[TokenManager]) -> list[asyncio.Task[None]]:
    tasks = [asyncio.create_task(t.run_refresher()) for t in tokens]
    for _ in range(50):
        await asyncio.sleep(0)
    return tasks


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with pytest.raises(asyncio.CancelledError):
            await task


async def advance(clock: RecordingClock, seconds: float, step: float = 0.25) -> None:
    for _ in range(int(seconds / step)):
        await clock.advance(step)


async def test_short_outage_over_the_refresh_costs_no_extra_login(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Redis down across the planned refresh and back before the deferred ones: one login
    for the next token, by one replica under the lock; the others take its token."""
    auth.lifetime, auth.new_token_before = LIFETIME, 20.0
    redis, tokens = cluster(clock, http)
    first = await tokens[0].get_token()
    tasks = await start(tokens)
    await advance(clock, 20.0)  # planned refresh at 27.5 s
    redis.up = False
    await advance(clock, 9.0)  # the others' deferred moments are 31 s and later
    assert len(auth.requests) == 1
    redis.up = True
    for t in tokens:
        store = t._store
        assert isinstance(store, ReplicaStore)
        await store.write_back()
    await advance(clock, 8.0)
    await stop(tasks)
    assert len(auth.requests) == 2
    fresh = [await t.get_token() for t in tokens]
    assert len(set(fresh)) == 1 and fresh[0] != first


async def test_long_outage_costs_at_most_one_login_per_replica_at_separate_moments(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Redis down for a whole token lifetime: each replica logs in once for the next token,
    each at its own moment before the token stops being sent, none at the planned one."""
    auth.lifetime, auth.new_token_before = LIFETIME, 20.0
    redis, tokens = cluster(clock, http)
    await tokens[0].get_token()
    for t in tokens[1:]:
        await t.get_token()
    tasks = await start(tokens)
    redis.up = False
    await advance(clock, LIFETIME - 4.0)
    await stop(tasks)
    logins = auth.login_times[1:]
    margin = expiry_margin(WINDOW)
    assert len(logins) == 3 and len(set(logins)) == 3
    assert all(LIFETIME - WINDOW < at <= LIFETIME - margin - LOGIN_ROOM for at in logins)
    assert all(t.expires_at() is not None for t in tokens)


async def test_refresh_stays_planned_while_the_store_is_reachable(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """With Redis up nothing changes: one replica refreshes at the planned moment."""
    auth.lifetime, auth.new_token_before = LIFETIME, 20.0
    _, tokens = cluster(clock, http)
    await tokens[0].get_token()
    tasks = await start(tokens)
    await advance(clock, 30.0)
    await stop(tasks)
    assert auth.login_times[1:] == [pytest.approx(LIFETIME - WINDOW + 2.5)]


async def test_a_401_relogin_is_not_held_back_by_other_replicas_logins(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """The shared record lists more logins in the last hour than the budget (each replica
    logged in during an outage): a revoked token still gets its one re-login at once."""
    auth.lifetime, auth.new_token_before = LIFETIME, 20.0
    redis = Redis()
    tokens = manager(clock, http, store=ReplicaStore(redis, 0.3), refresh_window=WINDOW)
    dead = await tokens.get_token()
    record = redis.record
    assert record is not None
    now = clock.now()
    redis.record = StoredToken(record.access_token, record.expires_at, record.obtained_at,
                               (now - 30, now - 20, now - 10, now - 1))
    auth.token = None  # Toast revoked every token
    fresh = await drive(clock, tokens.handle_unauthorized(dead))
    assert fresh != dead and len(auth.requests) == 2
