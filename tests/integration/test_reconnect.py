"""No reconnection storm: a restarted relay, or another replica, answers a board with the same
ETags (so its conditional requests get 304s), and ``/events`` replays only what was missed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.procs import Procs
from tests.support.redis_server import RedisServer, redis_server
from tests.support.relay_env import KEY, relay_env

pytestmark = pytest.mark.integration
GUID = SAMPLE_RESTAURANT_GUID
PATHS = (f"/menu/{GUID}?key={KEY}", f"/menu/{GUID}?format=csv&key={KEY}",
         f"/board/{GUID}?part=content&key={KEY}", f"/board/{GUID}?theme=light&key={KEY}")
"""What a board and a player fetch: JSON, CSV, the board's content and a whole page."""
QUIET = {"RELAY_REFRESH_INTERVAL": "60", "RELAY_STOCK_INTERVAL": "60", "RELAY_LOG_FORMAT": "text"}


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[RedisServer]:
    yield from redis_server(tmp_path)


def settled_etags(url: str) -> dict[str, str]:
    """Each path's ETag once the relay serves its copy as confirmed (not stale)."""
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=url, timeout=20) as client:
        while client.get(PATHS[0]).headers.get("x-cache") == "STALE":
            assert time.monotonic() < deadline, "the restored copy was never confirmed"
            time.sleep(0.1)
        answers = {p: client.get(p) for p in PATHS}
    assert all(r.status_code == 200 for r in answers.values())
    return {p: r.headers["etag"] for p, r in answers.items()}


def conditional(url: str, etags: dict[str, str]) -> dict[str, int]:
    with httpx.Client(base_url=url, timeout=20) as client:
        return {p: client.get(p, headers={"If-None-Match": e}).status_code
                for p, e in etags.items()}


def test_a_restarted_relay_answers_with_the_etags_it_gave_before(tmp_path: Path) -> None:
    """Same menu, same stock, same options: equal ETags after a restart, and the boards'
    conditional requests with the old ones get 304s from the first answer on, not the
    content again."""
    with Procs(tmp_path) as procs:
        sim = procs.sim()
        env = relay_env(sim, RELAY_DATA_DIR=str(tmp_path / "data"), **QUIET)
        first, url = procs.relay(env)
        before = settled_etags(url)
        first.stop()
        again, url = procs.spawn_relay(env, port=int(url.rsplit(":", 1)[1]),
                                       log_name="relay-restarted.log")
        again.wait_http(f"{url}/healthz")
        assert conditional(url, before) == dict.fromkeys(PATHS, 304)
        assert settled_etags(url) == before


def test_replicas_sharing_redis_answer_with_the_same_etags(tmp_path: Path,
                                                           rds: RedisServer) -> None:
    """Two replicas on one redis-server give a board the same ETag, so a load balancer
    sending its polls to either costs 304s."""
    with Procs(tmp_path) as procs:
        sim = procs.sim()
        env = relay_env(sim, REDIS_URL=rds.url, **QUIET)
        _, one = procs.relay(env, timeout=60)
        etags = settled_etags(one)
        _, two = procs.relay(env, timeout=60)
        assert settled_etags(two) == etags
        assert conditional(two, etags) == dict.fromkeys(PATHS, 304)


def opening_events(url: str, headers: dict[str, str] | None = None) -> list[str]:
    """The stream's first blocks, up to and including the first ``: ping`` heartbeat."""
    blocks: list[str] = []
    lines: list[str] = []
    with httpx.stream("GET", url, headers=headers or {},
                      timeout=httpx.Timeout(10, read=10)) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line:
                lines.append(line)
                continue
            if lines:
                blocks.append("\n".join(lines))
                lines = []
            if blocks and blocks[-1].startswith(": ping"):
                return blocks
    raise AssertionError(f"the stream ended before a heartbeat: {blocks}")


def updates(blocks: list[str]) -> list[str]:
    """The ``id`` of each ``update`` in ``blocks``."""
    return [line[4:] for b in blocks if "event: update" in b
            for line in b.splitlines() if line.startswith("id: ")]


def test_last_event_id_replays_only_what_a_board_missed(tmp_path: Path) -> None:
    """A client naming the current version gets no update before the first heartbeat; an
    old one gets exactly one, at once, whose id is the current version."""
    with Procs(tmp_path) as procs:
        sim = procs.sim()
        _, url = procs.relay(relay_env(sim, RELAY_EVENTS_HEARTBEAT="1", **QUIET))
        events = f"{url}/events/{GUID}?key={KEY}"
        first = opening_events(events)
        assert first[0] == "retry: 3000"
        (current,) = updates(first)
        assert current == httpx.get(f"{url}{PATHS[0]}", timeout=20).headers["etag"]
        assert updates(opening_events(events, {"Last-Event-ID": current})) == []
        assert updates(opening_events(f"{events}&lastEventId={current}")) == []
        old = opening_events(events, {"Last-Event-ID": '"an-older-version"'})
        assert updates(old) == [current] and old[1].startswith(f"id: {current}")
