"""The Redis backends against a real redis-server: compare-and-set, lock, lease, pub/sub."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.store.coordination_redis import RedisLease, RedisNotifier
from app.store.dedupe_redis import RedisSeenEvents
from app.store.redis_link import RedisLink, connect
from app.store.snapshots import MemorySnapshots
from app.store.snapshots_redis import RedisSnapshots
from app.store.tokens import MemoryTokenStore, StoredToken
from app.store.tokens_redis import RedisTokenStore
from tests.support.redis_server import RedisServer, redis_server
from tests.support.snapshots import snap

pytestmark = pytest.mark.integration
PASSWORD = "test-redis-password-1234"


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[RedisServer]:
    """A password-protected redis-server (fails under CI=true when it is not installed)."""
    yield from redis_server(tmp_path, password=PASSWORD)


@pytest.fixture
async def link(rds: RedisServer) -> AsyncIterator[RedisLink]:
    link = RedisLink(connect(rds.url), "test:")
    yield link
    await link.close()


async def test_snapshot_written_only_when_newer(link: RedisLink) -> None:
    """A copy older than the shared one is refused; the versions hash follows the newest."""
    a = RedisSnapshots(link, MemorySnapshots())
    b = RedisSnapshots(link, MemorySnapshots())
    assert await a.put(snap(fetched_at=20.0))
    assert not await b.put(snap(fetched_at=10.0, checked_at=99.0))
    got = await b.get("g")
    assert got is not None and got.fetched_at == 20.0
    assert await b.put(snap(fetched_at=20.0, checked_at=30.0))
    versions = await link.client.hgetall(a.versions_key)
    assert float(versions[b"g"]) == 30.0


async def test_token_lock_lets_one_replica_in_at_a_time(link: RedisLink) -> None:
    """While one replica holds the login lock, another waits for it."""
    clock = SystemClock()
    one = RedisTokenStore(link, "owner", "one", MemoryTokenStore(), clock)
    two = RedisTokenStore(link, "owner", "two", MemoryTokenStore(), clock)
    order: list[str] = []
    entered = asyncio.Event()

    async def first() -> None:
        async with one.lock():
            order.append("one in")
            entered.set()
            await asyncio.sleep(0.3)  # holds the lock so the second owner must wait for it
            await one.save(StoredToken("tok", time.time() + 600, time.time(), (time.time(),)))
            order.append("one out")

    async def second() -> None:
        await entered.wait()
        async with two.lock():
            order.append("two in")
            loaded = await two.load()
            assert loaded is not None and loaded.access_token == "tok"

    await asyncio.wait_for(asyncio.gather(first(), second()), 20)
    assert order == ["one in", "one out", "two in"]


async def test_lease_is_held_renewed_and_expires(link: RedisLink) -> None:
    """One holder at a time; the holder renews; a dead holder's lease runs out."""
    a, b = RedisLease(link, "a"), RedisLease(link, "b")
    assert await a.acquire("check:g", 0.5)
    assert not await b.acquire("check:g", 0.5)
    assert await a.acquire("check:g", 0.5)
    deadline = time.monotonic() + 20
    while not await b.acquire("check:g", 5):
        assert time.monotonic() < deadline, "the lease never expired"
        await asyncio.sleep(0.1)
    assert not await a.acquire("check:g", 5)
    await b.release("check:g")
    assert await a.acquire("check:g", 5)


async def test_announcements_reach_the_other_replicas_only(link: RedisLink) -> None:
    """A change announced by one replica is heard by the others, not by itself."""
    clock = SystemClock()
    speaker = RedisNotifier(link, "a", "test:versions", clock)
    listener = RedisNotifier(link, "b", "test:versions", clock)
    heard_b: list[str] = []
    heard_a: list[str] = []

    async def on_b(guid: str) -> None:
        heard_b.append(guid)

    async def on_a(guid: str) -> None:
        heard_a.append(guid)

    tasks = [asyncio.ensure_future(listener.run(on_b)), asyncio.ensure_future(speaker.run(on_a))]
    try:
        deadline = time.monotonic() + 20
        while not heard_b:  # subscriptions take a moment: announce until heard
            assert time.monotonic() < deadline, "the announcement was never heard"
            await speaker.announce("g", 1.0)
            await asyncio.sleep(0.1)
        assert heard_b[0] == "g" and heard_a == []
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_redis_down_falls_back_and_logs_once(
        rds: RedisServer, link: RedisLink, caplog: pytest.LogCaptureFixture) -> None:
    """With Redis gone, stores answer from local copies, leases are granted, one warning."""
    caplog.set_level(logging.WARNING, "toast_relay.redis")
    store = RedisSnapshots(link, MemorySnapshots())
    await store.put(snap())
    rds.kill()
    for _ in range(3):
        got = await store.get("g")
        assert got is not None
        assert await RedisLease(link, "a").acquire("check:g", 5)
    assert not link.up
    assert caplog.text.count("Redis unreachable") == 1
    assert PASSWORD not in caplog.text



async def test_budget_is_shared_and_counted_on_redis_clock(link: RedisLink) -> None:
    """Two replicas draw on one budget: caps and /menus spacing hold across them."""
    from app.store.counters import Claim, ClientLimits
    from app.store.counters_redis import RedisCounter

    limits = ClientLimits()
    a = RedisCounter(link, "a", SystemClock(), limits)
    b = RedisCounter(link, "b", SystemClock(), limits)
    assert await a.claim(Claim(5)) is None and await b.claim(Claim(5)) is None
    menus = Claim(5, "menus:g", 1.05)
    assert await a.claim(menus) is None
    spaced = await b.claim(menus)
    assert spaced is not None and not spaced.client_wide and 0 < spaced.wait <= 1.05
    assert await b.claim(Claim(4)) is None
    full = await b.claim(Claim(4))  # the 15-minute window holds 4 sends from both
    assert full is not None and full.client_wide and 800 < full.wait <= 900
    assert b.usage().last_window == 4


async def test_menus_spacing_runs_from_the_answer_for_every_replica(link: RedisLink) -> None:
    """Other replicas wait for a held /menus claim's answer; only its holder's settle frees it."""
    from app.store.counters import Claim, ClientLimits
    from app.store.counters_redis import RedisCounter

    limits = ClientLimits()
    a = RedisCounter(link, "a", SystemClock(), limits)
    b = RedisCounter(link, "b", SystemClock(), limits)
    held = Claim(5, "menus:answer", 0.3, hold=2.0, ticket="1")
    assert await a.claim(held) is None
    await asyncio.sleep(0.5)  # the spacing from the claim alone is over
    waiting = await b.claim(replace(held, ticket="1"))  # b's ticket 1 is not a's
    assert waiting is not None and not waiting.client_wide
    assert waiting.wait == pytest.approx(0.3)  # unanswered: ask again in one spacing
    await b.settle(replace(held, ticket="1"))  # another replica's settle frees nothing
    assert await b.claim(replace(held, ticket="2")) is not None
    await a.settle(held)  # the answer is back
    spaced = await b.claim(replace(held, ticket="2"))
    assert spaced is not None and 0.2 < spaced.wait <= 0.3
    await asyncio.sleep(spaced.wait)
    assert await b.claim(replace(held, ticket="2")) is None


async def test_an_unanswered_menus_claim_holds_only_until_its_hold_ends(
        link: RedisLink) -> None:
    """A held claim never answered (its replica died) frees the key after its hold and spacing."""
    from app.store.counters import Claim, ClientLimits
    from app.store.counters_redis import RedisCounter

    a = RedisCounter(link, "a", SystemClock(), ClientLimits())
    b = RedisCounter(link, "b", SystemClock(), ClientLimits())
    held = Claim(5, "menus:dead", 0.2, hold=0.3, ticket="1")
    assert await a.claim(held) is None
    await asyncio.sleep(0.4)  # the hold is over, its spacing not yet
    spaced = await b.claim(held)
    assert spaced is not None and 0 < spaced.wait <= 0.1
    await asyncio.sleep(spaced.wait)
    assert await b.claim(held) is None


async def test_budget_falls_back_to_a_stricter_local_one(rds: RedisServer,
                                                         link: RedisLink) -> None:
    """Without Redis a replica counts locally, allowing itself a quarter of each limit."""
    from app.store.counters import Claim, ClientLimits
    from app.store.counters_redis import RedisCounter

    counter = RedisCounter(link, "a", SystemClock(), ClientLimits())
    rds.kill()
    await RedisLease(link, "a").acquire("x", 1)  # notices the outage
    results = [await counter.claim(Claim(9_500)) for _ in range(5)]
    assert results[:4] == [None] * 4
    refused = results[4]
    assert refused is not None and refused.client_wide
    assert counter.usage().last_second == 4


async def test_webhook_seen_events_are_shared_by_replicas(
        rds: RedisServer, link: RedisLink) -> None:
    """An event one replica claimed is a duplicate on another; a released claim (the event
    could not be taken) lets Toast's resend through anywhere; the memory expires after
    30 minutes; with Redis gone each replica still de-duplicates on its own."""
    one, two = RedisSeenEvents(link), RedisSeenEvents(link)
    assert await one.claim("ev-1", 0.0)
    assert not await two.claim("ev-1", 0.0)
    assert not await one.claim("ev-1", 1.0)
    await one.release("ev-1")
    assert await two.claim("ev-1", 2.0)
    ttl = await link.client.pttl(link.key("webhook-seen", "ev-1"))
    assert 1_790_000 < ttl <= 1_800_000
    rds.kill()
    assert await one.claim("ev-2", 3.0)
    assert not await one.claim("ev-2", 4.0)


async def test_token_peek_reads_the_shared_record_and_never_waits_on_a_lost_redis(
        rds: RedisServer, link: RedisLink) -> None:
    """peek (the once-a-second look at other replicas' token news) reads the record while
    Redis answers and gives nothing at once while Redis is known to be down."""
    store = RedisTokenStore(link, "owner", "one", MemoryTokenStore(), SystemClock())
    await store.save(StoredToken("tok", time.time() + 60, time.time(), refused=("ab",)))
    seen = await store.peek()
    assert seen is not None and seen.refused == ("ab",)
    rds.kill()
    assert await store.peek() is None  # the failed call marks Redis down
    started = time.monotonic()
    assert await store.peek() is None
    assert time.monotonic() - started < 0.1


async def test_members_give_each_replica_its_turn_and_keep_it_through_an_outage(
        rds: RedisServer, link: RedisLink) -> None:
    """Three replicas beating into Redis see themselves as 0, 1 and 2 of 3 (by id); with
    Redis gone each keeps that view, its /menus claims wait (not client-wide) and the token
    store says it is unreachable and yields no lock."""
    from app.store.counters import Claim, ClientLimits
    from app.store.counters_redis import RedisCounter
    from app.store.members_redis import RedisMembers
    from app.store.outage import ENTRY_HOLD, Turns

    members = [RedisMembers(link, me, SystemClock()) for me in ("c", "a", "b")]
    assert members[0].turns() == Turns.unknown("c")
    for m in members:
        await m.beat()
    for m in members:
        await m.beat()  # the first to beat saw only itself
    assert [m.turns() for m in members] == [Turns(2, 3), Turns(0, 3), Turns(1, 3)]
    counter = RedisCounter(link, "a", SystemClock(), ClientLimits(), members[1].turns)
    store = RedisTokenStore(link, "owner", "a", MemoryTokenStore(), SystemClock())
    assert store.reachable
    rds.kill()
    await members[1].beat()
    assert members[1].turns() == Turns(0, 3) and not link.up
    refused = await counter.claim(Claim(9_500, "menus:g", 1.05))
    assert refused is not None and not refused.client_wide
    assert 0 < refused.wait <= ENTRY_HOLD
    assert await counter.claim(Claim(9_500)) is None  # unspaced calls keep the local budget
    assert not store.reachable
    async with store.lock() as held:
        assert not held
