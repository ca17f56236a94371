"""The console's Redis parts against a real redis-server: the shared sign-in throttle, the
session secret kept there (and checked again), sessions expiring in Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.clock import FakeClock, SystemClock
from app.console.sessions import Sessions, store_key
from app.console.throttle import LOCK_SECONDS, Throttle, Verdict
from app.errors import NotReady
from app.store import session_secret as secret_module
from app.store.redis_link import RedisLink, connect
from app.store.session_secret import SecretSource
from app.store.sessions_redis import RedisSessions
from app.store.signin_attempts_redis import SignInThrottle
from tests.support.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.integration
IP = "10.0.0.9"


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server (fails under CI=true when it is not installed)."""
    yield from redis_server(tmp_path)


@pytest.fixture
async def links(rds: RedisServer) -> AsyncIterator[list[RedisLink]]:
    """Two connections under one namespace: two replicas' view of the same Redis."""
    made = [RedisLink(connect(rds.url), "test:") for _ in range(2)]
    yield made
    for link in made:
        await link.close()


def throttles(links: list[RedisLink],
              lock_seconds: float = LOCK_SECONDS) -> list[SignInThrottle]:
    return [SignInThrottle(Throttle(SystemClock(), lock_seconds=lock_seconds), link)
            for link in links]


async def test_the_throttle_counts_every_replicas_attempts(links: list[RedisLink]) -> None:
    """Attempts on two replicas add up: three free, two slowed, then 429 on either."""
    a, b = throttles(links)
    verdicts = [await (a if i % 2 else b).attempt(IP) for i in range(6)]
    assert verdicts[:3] == [Verdict()] * 3
    assert [v.delay for v in verdicts[3:5]] == [1.0, 2.0]
    assert verdicts[5].refused_for == LOCK_SECONDS
    refused = await a.attempt(IP)
    assert 0 < refused.refused_for <= LOCK_SECONDS
    assert (await b.attempt("10.0.0.10")) == Verdict()


async def test_a_parallel_burst_across_replicas_is_counted_in_full(
        links: list[RedisLink]) -> None:
    """Forty attempts at once over both replicas: exactly three free and two slowed."""
    a, b = throttles(links)
    verdicts = await asyncio.gather(*((a if i % 2 else b).attempt(IP) for i in range(40)))
    assert sum(v == Verdict() for v in verdicts) == 3
    assert sorted(v.delay for v in verdicts if v.delay) == [1.0, 2.0]
    assert sum(v.refused_for > 0 for v in verdicts) == 35


async def test_the_lock_ends_and_the_right_key_clears_everywhere(
        links: list[RedisLink]) -> None:
    """After the lock the client starts from zero; the right key on one replica clears
    the count the other one sees."""
    a, b = throttles(links, lock_seconds=0.3)
    for _ in range(6):
        await a.attempt(IP)
    assert (await b.attempt(IP)).refused_for > 0
    await asyncio.sleep(0.4)  # the 0.3 s lock running out is the behaviour under test
    assert [await b.attempt(IP) for _ in range(3)] == [Verdict()] * 3
    await a.succeeded(IP)
    assert [await b.attempt(IP) for _ in range(3)] == [Verdict()] * 3


async def test_with_redis_down_each_replica_counts_alone(rds: RedisServer,
                                                         links: list[RedisLink]) -> None:
    """Redis gone: the throttle still slows and refuses, on this replica's own count."""
    a, _ = throttles(links)
    rds.kill()
    verdicts = [await a.attempt(IP) for _ in range(6)]
    assert [v.delay for v in verdicts[3:5]] == [1.0, 2.0] and verdicts[5].refused_for > 0


async def test_one_secret_for_every_replica_and_rechecked(links: list[RedisLink]) -> None:
    """Both replicas take the first one's secret; after the key is deleted (or Redis lost
    it) the next check puts it back, and a secret another replica wrote there wins."""
    now = [0.0]
    a, b = (SecretSource(None, redis=link, monotonic=lambda: now[0]) for link in links)
    first = await a()
    assert await b() == first and len(first) >= 32
    key = links[0].key("console", "session-secret")
    await links[0].client.delete(key)
    assert await a() == first  # within RECHECK: not asked
    now[0] += secret_module.RECHECK
    assert await a() == first
    assert await links[0].client.get(key) == first
    await links[0].client.set(key, b"r" * 48)
    assert await a() == first  # checked just now
    now[0] += secret_module.RECHECK
    assert await a() == b"r" * 48 and await b() == b"r" * 48


async def test_a_configured_secret_never_asks_redis(links: list[RedisLink]) -> None:
    """RELAY_SESSION_SECRET set: nothing is written to Redis."""
    assert await SecretSource(b"c" * 40, redis=links[0])() == b"c" * 40
    assert await links[0].client.get(links[0].key("console", "session-secret")) is None


async def test_sessions_in_redis_expire_with_their_cookie(links: list[RedisLink]) -> None:
    """A session is stored under its id's hash for 12 h; past the cookie's expiry it is
    refused even before Redis drops it; sign-out on one replica ends it on the other."""
    clock = FakeClock()
    secret = SecretSource(b"s" * 40)
    a, b = (Sessions(RedisSessions(link), clock, secret) for link in links)
    session, cookie = await a.create("*")
    key = links[0].key("console", "session", store_key(session.sid))
    assert 43_190 < await links[0].client.ttl(key) <= 43_200
    assert await b.find(cookie) == session
    await clock.advance(12 * 3600)
    assert await b.find(cookie) is None
    clock2 = FakeClock()
    c, d = (Sessions(RedisSessions(link), clock2, secret) for link in links)
    session, cookie = await c.create("*")
    await d.end(session)
    assert await c.find(cookie) is None


async def test_sessions_with_redis_down_are_not_ready(rds: RedisServer,
                                                      links: list[RedisLink]) -> None:
    """Redis gone: looking a session up is NotReady (503), never a guess."""
    book = Sessions(RedisSessions(links[0]), FakeClock(), SecretSource(b"s" * 40))
    _, cookie = await book.create("*")
    rds.kill()
    with pytest.raises(NotReady):
        await book.find(cookie)
