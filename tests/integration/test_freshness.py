"""Freshness without hammering, and never blank: relay + simulator as real processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.support.relay_env import KEY
from tests.support.sample_menu import GUID, menu
from tests.support.sim_calls import calls, endpoint_count
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration


def test_concurrent_cold_requests_share_one_fetch(tmp_path: Path) -> None:
    """50 concurrent first requests for one restaurant cause exactly one /menus call."""
    with running_stack(tmp_path, RELAY_RESTAURANTS="") as stack:
        sim_url, url = stack.sim, stack.url

        async def burst() -> list[int]:
            async with httpx.AsyncClient(timeout=30) as client:
                rs = await asyncio.gather(*(
                    client.get(f"{url}/menu/{GUID}", params={"key": KEY}) for _ in range(50)))
                return [r.status_code for r in rs]

        statuses = asyncio.run(burst())
        assert statuses == [200] * 50
        assert endpoint_count(sim_url, "menus") == 1
        assert endpoint_count(sim_url, "login", None) == 1


def test_metadata_polled_menus_not_refetched_then_change_visible(tmp_path: Path) -> None:
    """Metadata is polled each interval, /menus only after a publish, which shows up quickly."""
    with running_stack(tmp_path) as stack:
        sim_url, url = stack.sim, stack.url
        first = menu(url).json()
        before_meta = endpoint_count(sim_url, "metadata")
        wait_for(lambda: endpoint_count(sim_url, "metadata") >= before_meta + 2, 10,
                 "two more metadata checks")
        assert endpoint_count(sim_url, "menus") == 1
        item = next(r for r in first["items"] if r["price"] and not r["sizes"])
        new_price = round(item["price"] + 1.25, 2)
        httpx.post(f"{sim_url}/_sim/publish/{GUID}",
                   json={"itemGuid": item["guid"], "price": new_price}).raise_for_status()

        def changed() -> bool:
            rows = menu(url).json()["items"]
            return any(r["guid"] == item["guid"] and r["price"] == new_price for r in rows)

        wait_for(changed, timeout=10, what="the published price")
        assert endpoint_count(sim_url, "menus") == 2


@pytest.mark.parametrize("mode", ["503", "429", "slow", "broken_json"])
def test_outage_serves_last_good_copy_stale(tmp_path: Path, mode: str) -> None:
    """When Toast fails (5xx, 429, timeouts, broken JSON) the last good copy is served stale."""
    with running_stack(tmp_path, TOAST_TIMEOUT="1") as stack:
        sim_url, url = stack.sim, stack.url
        good = menu(url)
        assert good.status_code == 200 and good.json()["stale"] is False
        fault = {"endpoint": "*", "mode": mode, "count": None, "delay": 5, "retryAfter": 30}
        httpx.post(f"{sim_url}/_sim/fault", json=fault).raise_for_status()
        if mode == "broken_json":
            httpx.post(f"{sim_url}/_sim/publish/{GUID}").raise_for_status()
        wait_for(lambda: menu(url).headers.get("x-cache") == "STALE", timeout=20,
                 what=f"stale after {mode}")
        stale = menu(url)
        assert stale.status_code == 200 and stale.json()["stale"] is True
        assert stale.json()["items"] == good.json()["items"]


def test_restart_during_outage_serves_saved_copy(tmp_path: Path) -> None:
    """A relay restarted while Toast is down serves the copy saved in RELAY_DATA_DIR, marked
    stale once the check it makes at once has failed."""
    with running_stack(tmp_path, RELAY_DATA_DIR=str(tmp_path / "data"),
                       TOAST_TIMEOUT="1") as stack:
        sim_url, relay, url = stack.sim, stack.relay, stack.url
        good = menu(url).json()
        assert relay.stop() == 0
        httpx.post(f"{sim_url}/_sim/fault",
                   json={"endpoint": "*", "mode": "503", "count": None}).raise_for_status()
        _, url = stack.start_relay()
        first = menu(url)  # confirmed a moment ago: served as it was, then checked at once
        assert first.status_code == 200 and first.json()["items"] == good["items"]
        wait_for(lambda: menu(url).headers.get("x-cache") == "STALE", timeout=30,
                 what="stale once the check made at once has failed")
        again = menu(url)
        assert again.json()["stale"] is True and again.json()["items"] == good["items"]
        assert endpoint_count(sim_url, "login", None) == 1  # the saved token was reused


def test_no_copy_and_toast_down_is_a_json_error(tmp_path: Path) -> None:
    """With no copy at all and Toast failing, the answer is a 5xx with a JSON error body."""
    with running_stack(tmp_path, relays=0, RELAY_RESTAURANTS="", TOAST_TIMEOUT="1") as stack:
        sim_url = stack.sim
        httpx.post(f"{sim_url}/_sim/fault",
                   json={"endpoint": "menus", "mode": "503", "count": None}).raise_for_status()
        _, url = stack.start_relay()
        r = menu(url)
        assert r.status_code in (502, 503, 504)
        assert set(r.json()) == {"error", "detail"}


def test_token_refreshes_by_itself_and_never_expires_upstream(tmp_path: Path) -> None:
    """With 6 s tokens the relay logs in again on its own and Toast never sees an expired one."""
    with running_stack(tmp_path, token_lifetime=6, TOAST_TOKEN_REFRESH_WINDOW="3") as stack:
        sim_url, url = stack.sim, stack.url
        assert menu(url).status_code == 200
        wait_for(lambda: endpoint_count(sim_url, "login", None) >= 4, timeout=25,
                 what="three background refreshes")
        assert menu(url).status_code == 200
        assert calls(sim_url)["expired_token_calls"] == 0
