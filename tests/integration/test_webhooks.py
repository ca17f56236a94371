"""Webhooks and /events with the relay and the simulator as real processes on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.procs import Proc, free_port
from tests.support.relay_env import KEY
from tests.support.sample_menu import a_priced_item, menu, price_of
from tests.support.sim_calls import endpoint_count
from tests.support.sse import SseReader
from tests.support.stack import running_stack
from tests.support.waits import stays, wait_for
from tests.support.webhooks import toast_webhook

pytestmark = pytest.mark.integration
GUID = SAMPLE_RESTAURANT_GUID
MENUS_SECRET = "menus-subscription-secret-1"
STOCK_SECRET = "stock-subscription-secret-2"
NOT_SERVED = "0badf00d-1111-2222-3333-444444444444"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Proc]]:
    tmp = tmp_path_factory.mktemp("webhooks")
    # Polling an hour apart: anything that shows up within the test came by webhook.
    with running_stack(tmp, RELAY_WEBHOOK_SECRET=f"{MENUS_SECRET},{STOCK_SECRET}",
                       RELAY_REFRESH_INTERVAL="1h", RELAY_STOCK_INTERVAL="1h",
                       TOAST_TIMEOUT="30", RELAY_EVENTS_HEARTBEAT="1") as running:
        yield running.url, running.sim, running.relay


def post_hook(url: str, body: bytes, headers: dict[str, str],
              timeout: float = 30) -> httpx.Response:
    return httpx.post(f"{url}/webhooks/toast", content=body, headers=headers, timeout=timeout)


def menus_updated(published: str) -> tuple[bytes, dict[str, str]]:
    return toast_webhook(MENUS_SECRET, "menus", "menus_updated",
                         {"restaurantGuid": GUID, "publishedDate": published})


def publish_price(sim_url: str, item: dict[str, Any], price: float) -> str:
    r = httpx.post(f"{sim_url}/_sim/publish/{GUID}",
                   json={"itemGuid": item["guid"], "price": price})
    r.raise_for_status()
    last_updated: str = r.json()["lastUpdated"]
    return last_updated.replace("+0000", "Z")


def test_menus_updated_fetches_once_and_pushes_to_events(stack: tuple[str, str, Proc]) -> None:
    """A signed menus_updated makes the relay fetch /menus once and announce the new ETag."""
    url, sim_url, _ = stack
    item = a_priced_item(url)
    events = SseReader(f"{url}/events/harbor?key={KEY}")
    try:
        assert events.status == 200
        assert events.response_headers is not None
        assert events.response_headers["content-type"].startswith("text/event-stream")
        first = events.next().json()
        assert first == {"restaurant": GUID, "etag": menu(url).headers["etag"]}
        before = endpoint_count(sim_url, "menus")
        new_price = round(item["price"] + 1.5, 2)
        body, headers = menus_updated(publish_price(sim_url, item, new_price))
        r = post_hook(url, body, headers)
        assert r.status_code == 200 and r.json()["result"] == "accepted"
        pushed = events.next().json()
        assert pushed["restaurant"] == GUID and pushed["etag"] != first["etag"]
        assert price_of(url, item["guid"]) == new_price
        assert menu(url).headers["etag"] == pushed["etag"]
        assert endpoint_count(sim_url, "menus") == before + 1
        assert events.next("ping").data == "ping"
    finally:
        events.close()


def test_burst_of_50_events_is_one_fetch(stack: tuple[str, str, Proc]) -> None:
    """50 deliveries of menus_updated for one publish, sent at once: one /menus call."""
    url, sim_url, _ = stack
    item = a_priced_item(url)
    before = endpoint_count(sim_url, "menus")
    published = publish_price(sim_url, item, item["price"] + 0.75)
    hooks = [menus_updated(published) for _ in range(50)]

    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(*(
                client.post(f"{url}/webhooks/toast", content=body, headers=headers)
                for body, headers in hooks))
            return [r.status_code for r in answers]

    assert asyncio.run(burst()) == [200] * 50
    wait_for(lambda: price_of(url, item["guid"]) == item["price"] + 0.75, timeout=30,
             what="the published price")
    # Room for a wrong second fetch (/menus: 1.05 s after the answer before).
    stays(lambda: endpoint_count(sim_url, "menus") == before + 1, 1.5, "one /menus call")


def settled_calls(sim_url: str, quiet: float = 2.0, timeout: float = 60) -> int:
    """Toast calls so far, once none has arrived for ``quiet`` seconds (an earlier test's
    fetch may still be finishing on a loaded machine)."""
    total, since = -1, time.monotonic()
    deadline = since + timeout
    while time.monotonic() < deadline:
        now_total = httpx.get(f"{sim_url}/_sim/calls").json()["total"]
        if now_total != total:
            total, since = now_total, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return int(total)
        time.sleep(0.2)
    raise AssertionError(f"Toast calls kept arriving for {timeout:g} s")


def test_stock_event_changes_the_answer_without_a_toast_call(
        stack: tuple[str, str, Proc]) -> None:
    """An out_of_stock webhook marks the item sold out at once, with no call to Toast."""
    url, sim_url, _ = stack
    item = a_priced_item(url)
    assert item["outOfStock"] is False
    before = settled_calls(sim_url)
    body, headers = toast_webhook(STOCK_SECRET, "stock", "out_of_stock", {
        "restaurantGuid": GUID, "itemGuid": item["guid"], "status": "OUT_OF_STOCK",
        "multiLocationId": "1", "versionId": None})
    assert post_hook(url, body, headers).status_code == 200
    row = next(r for r in menu(url).json()["items"] if r["guid"] == item["guid"])
    assert row["outOfStock"] is True
    assert httpx.get(f"{sim_url}/_sim/calls").json()["total"] == before


def test_refusals_bad_signature_malformed_too_large(stack: tuple[str, str, Proc]) -> None:
    """Bad or missing signature → 401, malformed → 400, over 64 KiB → 413, all JSON errors."""
    url, _, _ = stack
    body, headers = menus_updated("2026-11-30T12:00:00.000Z")
    wrong = {**headers, "Toast-Signature": "bm90IHRoZSBzaWduYXR1cmU="}
    assert post_hook(url, body, wrong).status_code == 401
    missing = {k: v for k, v in headers.items() if k != "Toast-Signature"}
    r = post_hook(url, body, missing)
    assert r.status_code == 401 and set(r.json()) == {"error", "detail"}
    assert post_hook(url, b"{not json", headers).status_code == 400
    big = post_hook(url, b"x" * (64 * 1024 + 1), headers)
    assert big.status_code == 413 and big.json()["error"] == "payload_too_large"


def test_duplicate_and_unknown_restaurant_are_2xx_without_work(
        stack: tuple[str, str, Proc]) -> None:
    """A repeated event GUID and an event for a restaurant not served cause no Toast call."""
    url, sim_url, _ = stack
    body, headers = toast_webhook(MENUS_SECRET, "menus", "menus_updated", {
        "restaurantGuid": NOT_SERVED, "publishedDate": "2026-11-30T12:00:00.000Z"})
    before = httpx.get(f"{sim_url}/_sim/calls").json()["total"]
    r = post_hook(url, body, headers)
    assert r.status_code == 200 and r.json()["result"] == "ignored"
    assert post_hook(url, body, headers).json()["result"] == "duplicate"
    assert httpx.get(f"{sim_url}/_sim/calls").json()["total"] == before


def test_ack_does_not_wait_for_a_slow_toast(stack: tuple[str, str, Proc]) -> None:
    """With /menus taking 15 s, the webhook is still answered long before Toast does."""
    url, sim_url, _ = stack
    httpx.post(f"{sim_url}/_sim/fault", json={"endpoint": "menus", "mode": "slow",
                                              "delay": 15, "count": 1}).raise_for_status()
    try:
        item = a_priced_item(url)
        body, headers = menus_updated(publish_price(sim_url, item, item["price"] + 2))
        started = time.monotonic()
        r = post_hook(url, body, headers, timeout=14)
        assert r.status_code == 200
        # Structural, not a timing assertion: the slow /menus call cannot have finished.
        assert time.monotonic() - started < 15
        wait_for(lambda: price_of(url, item["guid"]) == item["price"] + 2, timeout=60,
                 what="the slow fetch to land")
    finally:
        httpx.post(f"{sim_url}/_sim/fault", json={"endpoint": "*", "mode": "off"})


def test_status_and_metrics_show_webhook_counts(stack: tuple[str, str, Proc]) -> None:
    """/metrics carries per-restaurant webhook counters and outcomes, never a secret."""
    url, _, relay = stack
    body, headers = menus_updated("2020-01-01T00:00:00.000Z")
    post_hook(url, body, headers)
    post_hook(url, body, {**headers, "Toast-Signature": "d3Jvbmc="})
    text = httpx.get(f"{url}/metrics").text
    assert f'relay_webhook_events_total{{account="default",restaurant="{GUID}"}}' in text
    assert 'relay_webhooks_total{account="default",result="bad_signature"}' in text
    assert MENUS_SECRET not in text and STOCK_SECRET not in text
    out = relay.wait_output("WEBHOOK SIGNATURE CHECK FAILED")
    assert MENUS_SECRET not in out and STOCK_SECRET not in out


def test_events_key_rules(stack: tuple[str, str, Proc]) -> None:
    """/events needs a key like /menu: none → 401, X-API-Key header works, bad alias → 404."""
    url, _, _ = stack
    assert httpx.get(f"{url}/events/harbor").status_code == 401
    assert httpx.get(f"{url}/events/nowhere?key={KEY}").status_code == 404
    events = SseReader(f"{url}/events/{GUID}", headers={"X-API-Key": KEY})
    try:
        assert events.status == 200 and events.next().json()["restaurant"] == GUID
    finally:
        events.close()


def test_simulator_webhooks_reach_the_relay(tmp_path: Path) -> None:
    """`toast-relay sim --webhook-url ...`: a publish and a stock change show up by webhook."""
    relay_port = free_port()
    with running_stack(tmp_path, relays=0, sim_args=[
            "--webhook-url", f"http://127.0.0.1:{relay_port}/webhooks/toast",
            "--webhook-secret", MENUS_SECRET, "--stock-webhook-secret", STOCK_SECRET,
            "--webhook-time-scale", "0.01"],
            RELAY_WEBHOOK_SECRET=f"{MENUS_SECRET},{STOCK_SECRET}",
            RELAY_REFRESH_INTERVAL="1h", RELAY_STOCK_INTERVAL="1h") as stack:
        sim_url = stack.sim
        _, url = stack.start_relay(port=relay_port)
        item = a_priced_item(url)
        menus = endpoint_count(sim_url, "menus")
        publish_price(sim_url, item, item["price"] + 3)
        wait_for(lambda: price_of(url, item["guid"]) == item["price"] + 3, timeout=30,
                 what="the published price via the simulator's webhook")
        assert endpoint_count(sim_url, "menus") == menus + 1
        httpx.post(f"{sim_url}/_sim/stock/{GUID}", json=[
            {"guid": item["guid"], "status": "OUT_OF_STOCK"}]).raise_for_status()
        wait_for(lambda: any(r["guid"] == item["guid"] and r["outOfStock"]
                             for r in menu(url).json()["items"]),
                 timeout=30, what="the stock webhook")
        deliveries = httpx.get(f"{sim_url}/_sim/webhooks").json()["deliveries"]
        assert {d["eventType"] for d in deliveries} >= {"menus_updated", "out_of_stock"}
        assert all(d["statuses"][:1] == ["200"] for d in deliveries)


def test_sigterm_ends_open_event_streams_at_once(tmp_path: Path) -> None:
    """On SIGTERM open /events streams are closed first, so shutdown does not wait on them."""
    with running_stack(tmp_path) as stack:
        relay, url = stack.relay, stack.url
        streams = [SseReader(f"{url}/events/harbor?key={KEY}") for _ in range(3)]
        for s in streams:
            s.next()
        assert relay.stop() == 0
        out = relay.log_path.read_text(errors="replace")
        assert "timeout graceful shutdown exceeded" not in out
        assert "Waiting for connections to close" not in out
