"""Freshness beside a large restaurant: relay and simulator as real processes on loopback."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.procs import free_port
from tests.support.relay_env import KEY
from tests.support.sample_menu import GUID, a_priced_item, price_of
from tests.support.sim_calls import endpoint_count
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
LARGE = "7e57b0a2-3000-4000-8000-000000003000"
MENUS_SECRET = "fresh-menus-webhook-secret"
STOCK_SECRET = "fresh-stock-webhook-secret"


def content(url: str, guid: str) -> str:
    return httpx.get(f"{url}/board/{guid}", params={
        "key": KEY, "part": "content", "available": "all"}, timeout=60).text


def test_publish_reaches_menu_and_board_while_large_restaurant_renders(tmp_path: Path) -> None:
    """A publish reaches /menu and the board's content while a 3,000-item restaurant is
    published and its board rendered at the same time; each publish costs one /menus call
    and the restaurant's details are not asked again."""
    relay_port = free_port()
    with running_stack(tmp_path, relays=0, sim_args=[
            "--webhook-url", f"http://127.0.0.1:{relay_port}/webhooks/toast",
            "--webhook-secret", MENUS_SECRET, "--stock-webhook-secret", STOCK_SECRET,
            "--webhook-time-scale", "0.01"]) as stack:
        sim_url = stack.sim
        httpx.post(f"{sim_url}/_sim/large/{LARGE}", json={"items": 3000},
                   timeout=120).raise_for_status()
        _, url = stack.start_relay(
            port=relay_port, RELAY_WEBHOOK_SECRET=f"{MENUS_SECRET},{STOCK_SECRET}",
            RELAY_RESTAURANTS=json.dumps({"harbor": GUID, "large": LARGE}),
            RELAY_REFRESH_INTERVAL="1h", RELAY_STOCK_INTERVAL="1h")
        item = a_priced_item(url)
        big = next(r for r in httpx.get(f"{url}/menu/{LARGE}", params={"key": KEY},
                                        timeout=60).json()["items"]
                   if r["price"] and not r["sizes"])
        content(url, LARGE)
        menus, details = endpoint_count(sim_url, "menus"), endpoint_count(sim_url, "restaurants")
        for n in range(2):
            price = round(item["price"] + 3 + n, 2)
            big_price = round(big["price"] + 5 + n, 2)
            done: list[bool] = []

            def publish_large(p: float = big_price, done: list[bool] = done) -> None:
                httpx.post(f"{sim_url}/_sim/publish/{LARGE}", timeout=30, json={
                    "itemGuid": big["guid"], "price": p}).raise_for_status()
                wait_for(lambda: f"{p:.2f}" in content(url, LARGE), timeout=60,
                         what="the large board's new content")
                done.append(True)

            renders = threading.Thread(target=publish_large)
            renders.start()
            httpx.post(f"{sim_url}/_sim/publish/{GUID}", timeout=30, json={
                "itemGuid": item["guid"], "price": price}).raise_for_status()
            shown = f"{price:.2f}"
            wait_for(lambda: price_of(url, item["guid"]) == price,  # noqa: B023 - waited here
                     timeout=30, what="the published price in /menu")
            wait_for(lambda: shown in content(url, GUID),  # noqa: B023 - waited here
                     timeout=30, what="the published price in the board's content")
            renders.join(90)
            assert done == [True]  # the large restaurant's publish reached its board too
        assert endpoint_count(sim_url, "menus") == menus + 2
        assert endpoint_count(sim_url, "restaurants") == details
