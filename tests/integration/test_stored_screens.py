"""Stored screens across real processes: kept over a restart, shared through a real
redis-server, and pushed to an open /events stream."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.redis_server import RedisServer, redis_server
from tests.support.relay_env import KEY
from tests.support.sse import SseReader
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"
DRINKS = {"restaurant": "harbor", "groups": ["Cocktails"], "available": "all"}


def put(url: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.put(f"{url}/admin/screens/{name}", json=body, headers={"X-API-Key": ADMIN},
                  timeout=30)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def groups_shown(url: str, name: str) -> set[str]:
    r = httpx.get(f"{url}/s/{name}/menu", params={"key": KEY}, timeout=30)
    assert r.status_code == 200, r.text
    return {row["group"] for row in r.json()["items"]}


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[RedisServer]:
    yield from redis_server(tmp_path)


def test_put_then_get_survives_a_restart(tmp_path: Path) -> None:
    """A screen PUT to a relay with RELAY_DATA_DIR is served again after a restart, at the
    same version."""
    with running_stack(tmp_path, RELAY_ADMIN_KEY=ADMIN,
                       RELAY_DATA_DIR=str(tmp_path / "data")) as stack:
        proc, url = stack.relay, stack.url
        assert put(url, "drinks", DRINKS)["version"] == 1
        assert groups_shown(url, "drinks") == {"Cocktails"}
        proc.stop()
        _, url = stack.start_relay()
        got = httpx.get(f"{url}/admin/screens/drinks", params={"key": ADMIN}, timeout=30)
        assert got.status_code == 200 and got.json()["version"] == 1
        assert groups_shown(url, "drinks") == {"Cocktails"}
    assert (tmp_path / "data" / "screens" / "drinks.json").is_file()


def test_two_replicas_on_one_redis_see_one_definition(tmp_path: Path,
                                                      rds: RedisServer) -> None:
    """A PUT on one replica is served by the other within two seconds; versions are one
    sequence; If-Match on the other replica sees the first one's write."""
    with running_stack(tmp_path, relays=2, redis=rds, RELAY_ADMIN_KEY=ADMIN) as stack:
        one, two = stack.urls
        put(one, "drinks", DRINKS)
        assert groups_shown(two, "drinks") == {"Cocktails"}
        assert put(two, "drinks", {**DRINKS, "groups": ["Zero Proof"]})["version"] == 2
        wait_for(lambda: groups_shown(one, "drinks") == {"Zero Proof"}, 2,
                 "the edit to reach the other replica", every=0.05)
        stale = httpx.put(f"{one}/admin/screens/drinks", json=DRINKS,
                          headers={"X-API-Key": ADMIN, "If-Match": '"1"'}, timeout=30)
        assert stale.status_code == 412


def test_an_edit_is_pushed_to_an_open_events_stream(tmp_path: Path,
                                                    rds: RedisServer) -> None:
    """A board of the screen listening on /events of its restaurant gets an update within
    two seconds of an edit made on another replica."""
    with running_stack(tmp_path, relays=2, redis=rds, RELAY_ADMIN_KEY=ADMIN) as stack:
        one, two = stack.urls
        put(one, "drinks", DRINKS)
        reader = SseReader(f"{two}/events/{SAMPLE_RESTAURANT_GUID}?key={KEY}")
        try:
            reader.next("update")  # the stream opens with the current version
            started = time.monotonic()
            put(one, "drinks", {**DRINKS, "groups": ["Beer & Wine"]})
            reader.next("update", timeout=2.0)
            assert time.monotonic() - started < 2.0
            assert groups_shown(two, "drinks") == {"Beer & Wine"}
        finally:
            reader.close()
