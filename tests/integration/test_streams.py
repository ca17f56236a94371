"""Hundreds of real /events streams on one relay process over loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.procs import Proc, Procs
from tests.support.relay_env import KEY, relay_env
from tests.support.streams import Stream, open_streams
from tests.support.webhooks import toast_webhook

pytestmark = pytest.mark.integration
GUID = SAMPLE_RESTAURANT_GUID
STOCK_SECRET = "stock-subscription-secret-streams"
STREAMS = 300


def stack_env(sim_url: str, **extra: str) -> dict[str, str]:
    return relay_env(sim_url, RELAY_WEBHOOK_SECRET=STOCK_SECRET, RELAY_REFRESH_INTERVAL="1h",
                     RELAY_STOCK_INTERVAL="1h", RELAY_ACCESS_LOG="false",
                     RELAY_LIMIT_CONCURRENCY="50", RELAY_EVENTS_MAX_CONNECTIONS="1000",
                     **extra)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Proc]]:
    with Procs(tmp_path_factory.mktemp("streams")) as procs:
        relay, url = procs.relay(stack_env(procs.sim()))
        yield url, relay


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def menu(url: str) -> httpx.Response:
    return httpx.get(f"{url}/menu/{GUID}", headers={"X-API-Key": KEY}, timeout=30)


def stock_event(item: str, out: bool) -> tuple[bytes, dict[str, str]]:
    return toast_webhook(STOCK_SECRET, "stock", "out_of_stock" if out else "in_stock", {
        "restaurantGuid": GUID, "itemGuid": item,
        "status": "OUT_OF_STOCK" if out else "IN_STOCK",
        "multiLocationId": None, "versionId": None})


def close_all(streams: list[Stream]) -> None:
    for s in streams:
        s.close()


async def test_every_stream_gets_each_change(stack: tuple[str, Proc]) -> None:
    """Each of 300 open streams reads every change, with the ETag /menu then answers."""
    url, _ = stack
    item = next(r["guid"] for r in menu(url).json()["items"] if not r["outOfStock"])
    streams = await open_streams(port_of(url), f"/events/{GUID}", KEY, STREAMS)
    try:
        assert [s.status for s in streams] == [200] * STREAMS
        async with httpx.AsyncClient(timeout=30) as client:
            for out in (True, False):
                body, headers = stock_event(item, out)
                r = await client.post(f"{url}/webhooks/toast", content=body, headers=headers)
                assert r.status_code == 200
                heard = await asyncio.gather(*(s.next_update() for s in streams))
                etag = menu(url).headers["etag"]
                assert {h["etag"] for h in heard} == {etag}
    finally:
        close_all(streams)


async def test_plain_requests_answer_while_streams_exceed_the_concurrency_limit(
        stack: tuple[str, Proc]) -> None:
    """With RELAY_LIMIT_CONCURRENCY=50 and 100 streams open, /healthz and /menu answer 200."""
    url, _ = stack
    streams = await open_streams(port_of(url), f"/events/{GUID}", KEY, 100)
    try:
        assert [s.status for s in streams] == [200] * 100
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(f"{url}/healthz")).status_code == 200
            answer = await client.get(f"{url}/menu/{GUID}", headers={"X-API-Key": KEY})
            assert answer.status_code == 200
    finally:
        close_all(streams)


def test_requests_in_flight_past_the_limit_get_the_json_503(stack: tuple[str, Proc]) -> None:
    """50 requests held in flight (webhook bodies never sent) fill RELAY_LIMIT_CONCURRENCY:
    the next request gets the JSON 503 at once, and 200 again when they go."""
    url, _ = stack
    held: list[socket.socket] = []
    try:
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", port_of(url)))
            s.sendall(b"POST /webhooks/toast HTTP/1.1\r\nHost: relay\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n")
            held.append(s)
        answer = httpx.get(f"{url}/healthz", timeout=30)
        for _ in range(100):  # the last held requests may still be reaching the app
            if answer.status_code == 503:
                break
            answer = httpx.get(f"{url}/healthz", timeout=30)
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["error"] == "overloaded"
    finally:
        for s in held:
            s.close()
    answers = [httpx.get(f"{url}/healthz", timeout=30).status_code for _ in range(100)]
    assert answers[-1] == 200


async def test_sigterm_closes_every_stream_and_the_process_exits(tmp_path: Path) -> None:
    """SIGTERM with 300 streams open ends each stream and the relay exits 0 without the
    graceful-shutdown timeout."""
    with Procs(tmp_path) as procs:
        relay, url = procs.relay(stack_env(procs.sim()))
        streams = await open_streams(port_of(url), f"/events/{GUID}", KEY, STREAMS)
        try:
            assert [s.status for s in streams] == [200] * STREAMS
            code = await asyncio.to_thread(relay.stop)
            assert code == 0
            assert all(await asyncio.gather(*(s.ended() for s in streams)))
            assert "timeout graceful shutdown exceeded" not in relay.log_path.read_text()
        finally:
            close_all(streams)
