"""Three relay processes behind one real redis-server act as one relay towards Toast."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.redis_server import RedisServer, redis_server
from tests.support.relay_env import KEY
from tests.support.sample_menu import a_priced_item, menu, price_of
from tests.support.sim_calls import calls, endpoint_count
from tests.support.stack import running_stack
from tests.support.waits import stays, wait_for

pytestmark = pytest.mark.integration
GUID = SAMPLE_RESTAURANT_GUID


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server for this test (fails under CI=true when it is not installed)."""
    yield from redis_server(tmp_path)


def shared_keys(server: RedisServer) -> list[str]:
    """The relay's keys in Redis (names only, never the values)."""
    import redis as redis_py

    with redis_py.Redis.from_url(server.url, decode_responses=True) as client:
        return [str(k) for k in client.keys("toast-relay:*")]


def shared_get(server: RedisServer, key: str) -> str | None:
    import redis as redis_py

    with redis_py.Redis.from_url(server.url, decode_responses=True) as client:
        value = client.get(key)
        return None if value is None else str(value)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[str]:
    with running_stack(tmp_path, relays=0) as stack:
        yield stack.sim


def spread(urls: list[str], n: int) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(
                client.get(f"{urls[i % len(urls)]}/menu/{GUID}", params={"key": KEY})
                for i in range(n)))
    return asyncio.run(run())


def test_three_replicas_warm_up_with_one_login_and_one_menus_call(
        tmp_path: Path, rds: RedisServer, sim: str) -> None:
    """Three replicas started at once and 100 requests over them: 1 login, 1 /menus."""
    with running_stack(tmp_path, relays=3, redis=rds, sim_url=sim,
                       RELAY_LOG_FORMAT="text") as cluster:
        urls = cluster.urls
        answers = spread(urls, 100)
        assert [r.status_code for r in answers] == [200] * 100
        assert all(r.json()["items"] for r in answers)
        assert endpoint_count(sim, "menus") == 1
        assert endpoint_count(sim, "login", None) == 1


def publish_price(sim: str, url: str) -> tuple[str, float]:
    """Publish a new price for one plain item; return (item guid, new price)."""
    item = a_priced_item(url)
    new_price = round(item["price"] + 1.25, 2)
    httpx.post(f"{sim}/_sim/publish/{GUID}",
               json={"itemGuid": item["guid"], "price": new_price}).raise_for_status()
    return item["guid"], new_price


def all_current(urls: list[str], item: str, price: float) -> bool:
    return all(price_of(u, item) == price for u in urls)


def test_a_publish_costs_one_menus_call_and_reaches_every_replica(
        tmp_path: Path, rds: RedisServer, sim: str) -> None:
    """After a publish, one /menus call in all, and every replica shows the new price."""
    with running_stack(tmp_path, relays=3, redis=rds, sim_url=sim,
                       RELAY_LOG_FORMAT="text") as cluster:
        urls = cluster.urls
        spread(urls, 9)
        before = endpoint_count(sim, "menus")
        item, price = publish_price(sim, urls[0])
        wait_for(lambda: all_current(urls, item, price), 30, "every replica to be current")
        stays(lambda: endpoint_count(sim, "menus") == before + 1, 2,
              "one /menus call over two more check intervals")


def test_short_tokens_are_shared_without_dead_token_calls(
        tmp_path: Path, rds: RedisServer) -> None:
    """With 20 s tokens, three replicas log in only as the window requires, never send an
    expired token and never meet a 429."""
    with running_stack(tmp_path, relays=3, redis=rds, token_lifetime=20,
                       RELAY_LOG_FORMAT="text", TOAST_TOKEN_REFRESH_WINDOW="10") as cluster:
        sim, urls = cluster.sim, cluster.urls
        started = time.monotonic()
        while time.monotonic() - started < 40:
            assert all(r.status_code == 200 for r in spread(urls, 6))
            time.sleep(0.5)  # paces the screens' polling over the 40 s under test
        elapsed = time.monotonic() - started + 5
        data = calls(sim)
        # One login per token lifetime (minus the skew) in total, plus the first ones.
        assert data["calls"].get("login", 0) <= 3 + elapsed // 15
        assert data["expired_token_calls"] == 0
        assert data["rate_limited_calls"] == 0


def test_redis_killed_then_restarted_empty_never_blanks_and_converges(
        tmp_path: Path, rds: RedisServer, sim: str) -> None:
    """Redis down: every answer is a full menu and /readyz says degraded; Redis back empty:
    replicas write their state back and hear each other's changes again."""
    with running_stack(tmp_path, relays=3, redis=rds, sim_url=sim,
                       RELAY_LOG_FORMAT="text") as cluster:
        urls = cluster.urls
        spread(urls, 6)
        rds.kill()
        for _ in range(10):
            answers = spread(urls, 9)
            assert all(r.status_code == 200 and r.json()["items"] for r in answers)
            time.sleep(0.2)  # paces the polling while Redis is down (the load under test)
        wait_for(lambda: all("degraded" in httpx.get(f"{u}/readyz").text for u in urls), 30,
                 "every replica to report degraded")
        assert all(httpx.get(f"{u}/readyz").status_code == 200 for u in urls)
        rds.start()
        wait_for(lambda: all("degraded" not in httpx.get(f"{u}/readyz").text for u in urls),
                 30, "every replica to see Redis again")
        wait_for(lambda: any(k.endswith(":token") for k in shared_keys(rds))
                 and any(":snapshot:" in k for k in shared_keys(rds)), 30,
                 "the token and the menus to be written back")
        item, price = publish_price(sim, urls[0])
        wait_for(lambda: all_current(urls, item, price), 30, "every replica to be current")
        assert all(r.status_code == 200 for r in spread(urls, 9))


def test_replica_started_while_toast_is_down_serves_the_shared_copy(
        tmp_path: Path, rds: RedisServer, sim: str) -> None:
    """A new replica whose Toast is unreachable serves the copy the others stored in Redis."""
    with running_stack(tmp_path, relays=1, redis=rds, sim_url=sim,
                       RELAY_LOG_FORMAT="text") as cluster:
        first = cluster.urls
        expected = menu(first[0]).json()["items"]
        httpx.post(f"{sim}/_sim/fault",
                   json={"endpoint": "*", "mode": "503", "count": None}).raise_for_status()
        late = cluster.start_relays(1)
        answer = menu(late[0])
        assert answer.status_code == 200 and answer.json()["items"] == expected


def test_lease_holder_killed_mid_fetch_is_taken_over(
        tmp_path: Path, rds: RedisServer, sim: str) -> None:
    """The replica fetching a published menu dies mid-fetch; another fetches it after its
    lease runs out, and the survivors show the new price."""
    with running_stack(tmp_path, relays=3, redis=rds, sim_url=sim,
                       RELAY_LOG_FORMAT="text") as cluster:
        urls = cluster.urls
        spread(urls, 6)
        httpx.post(f"{sim}/_sim/fault", json={"endpoint": "menus", "mode": "slow",
                                              "delay": 30, "count": 1}).raise_for_status()
        before = endpoint_count(sim, "menus")  # before the publish: a replica checks each second
        item, price = publish_price(sim, urls[0])
        wait_for(lambda: endpoint_count(sim, "menus") > before, 30, "the slow fetch to start")
        lease = next(k for k in shared_keys(rds) if k.endswith(f"lease:check:{GUID}"))
        holder_id = shared_get(rds, lease)
        assert holder_id is not None
        holder = next(i for i, p in enumerate(cluster.relays)
                      if f"replica {holder_id}" in p.output())
        cluster.relays[holder].stop(signal.SIGKILL)
        survivors = [u for i, u in enumerate(urls) if i != holder]
        wait_for(lambda: all_current(survivors, item, price), 30, "a survivor to take over")


def test_a_401_costs_one_relogin_in_total(tmp_path: Path, rds: RedisServer, sim: str) -> None:
    """When Toast forgets every token, the replicas log in again once between them."""
    with running_stack(tmp_path, relays=3, redis=rds, sim_url=sim,
                       RELAY_LOG_FORMAT="text") as cluster:
        urls = cluster.urls
        spread(urls, 6)
        httpx.post(f"{sim}/_sim/reset", params={"full": "true"}).raise_for_status()
        wait_for(lambda: calls(sim)["unauthorized_calls"] > 0, 30, "a call with the old token")
        wait_for(lambda: calls(sim)["statuses"].get("metadata", {}).get("200", 0) >= 3, 30,
                 "checks to succeed again")
        for _ in range(3):  # a few more intervals, requests on every replica
            assert all(r.status_code == 200 for r in spread(urls, 6))
            time.sleep(1)  # one check interval: a second login would show in it
        assert calls(sim)["calls"].get("login", 0) == 1


def poll_screens(urls: list[str], seconds: float) -> None:
    """Screens on every replica for ``seconds`` (bounded), each answer a full menu."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answers = spread(urls, 3)
        assert all(r.status_code == 200 and r.json()["items"] for r in answers)
        time.sleep(0.5)  # paces the screens: their polling over ``seconds`` is the behaviour


def checks_ok(sim: str) -> int:
    return int(calls(sim)["statuses"].get("metadata", {}).get("200", 0))


IN_FLIGHT = 3
"""Calls one replica may have under way with a token when Toast starts refusing it (one
per restaurant): each may come back 401 before the replica knows."""


def refused_calls_stop(sim: str, urls: list[str], settle: float, watch: float) -> int:
    """Refused calls (401s) after a revocation: a few while the replicas learn of it, then
    none for ``watch`` seconds; screens answer throughout. Returns the count."""
    poll_screens(urls, settle)
    refused = int(calls(sim)["unauthorized_calls"])
    poll_screens(urls, watch)
    assert int(calls(sim)["unauthorized_calls"]) == refused, calls(sim)
    return refused


def test_revoked_day_long_token_is_dropped_for_the_one_another_replica_got(
        tmp_path: Path, rds: RedisServer) -> None:
    """Issue 27: Toast revokes every token while new ones live 40 s; the replicas holding the
    revoked day-long token take the short one another replica got at once: refused calls
    stop within seconds (only those already under way), not one a second for half an hour."""
    with running_stack(tmp_path, relays=0, redis=rds, token_lifetime=40,
                       RELAY_LOG_FORMAT="text", TOAST_TOKEN_REFRESH_WINDOW="15") as cluster:
        sim = cluster.sim
        httpx.post(f"{sim}/_sim/token-lifetime", json={"seconds": 86400}).raise_for_status()
        urls = cluster.start_relays(3)
        spread(urls, 6)
        # Forgets every token and counter; new tokens live 40 s again (the sim's default).
        httpx.post(f"{sim}/_sim/reset", params={"full": "true"}).raise_for_status()
        refused = refused_calls_stop(sim, urls, 10, 35)
        assert refused <= 3 * IN_FLIGHT
        data = calls(sim)
        assert data["calls"].get("login", 0) <= 3, data  # the re-login, then one per ~36 s
        ok = checks_ok(sim)
        wait_for(lambda: checks_ok(sim) > ok, 10, "checks to go on succeeding")


def test_a_second_revocation_pauses_calls_instead_of_repeating_them(
        tmp_path: Path, rds: RedisServer) -> None:
    """A second revocation within 30 minutes of the re-login: the refused 40 s token is not
    sent again and nobody logs in until it would have expired; then one login, and checks
    succeed again."""
    with running_stack(tmp_path, relays=3, redis=rds, token_lifetime=40,
                       RELAY_LOG_FORMAT="text", TOAST_TOKEN_REFRESH_WINDOW="15") as cluster:
        sim, urls = cluster.sim, cluster.urls
        spread(urls, 6)
        httpx.post(f"{sim}/_sim/reset", params={"full": "true"}).raise_for_status()
        wait_for(lambda: checks_ok(sim) >= 3, 30, "checks to succeed after the re-login")
        assert calls(sim)["unauthorized_calls"] <= 3 * IN_FLIGHT
        httpx.post(f"{sim}/_sim/reset", params={"full": "true"}).raise_for_status()
        refused = refused_calls_stop(sim, urls, 10, 40)
        assert refused <= 3 * IN_FLIGHT
        data = calls(sim)
        assert data["calls"].get("login", 0) <= 2, data  # after the pause, then maybe a renewal
        ok = checks_ok(sim)
        wait_for(lambda: checks_ok(sim) > ok, 10, "checks to succeed after the pause")
