"""The board's browser tests: a relay and simulator stack, URLs, and the layout probe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.sim.large import LARGE_RESTAURANT_GUID
from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
from tests.support.stack import running_stack
from tests.support.waits import wait_for

KEY = "board-key-0123456789abcdef"
pytestmark = pytest.mark.integration

# Which items are on screen: every item that shows inside the board's box must be
# whole, and the board must sit inside the viewport. Returns indexes of whole items.
LAYOUT_JS = """
const vw = innerWidth, vh = innerHeight, se = document.scrollingElement;
const box = document.getElementById('board').getBoundingClientRect();
const items = [...document.querySelectorAll('#content section:not([hidden]) .item')];
const whole = [], cut = [];
items.forEach((el, i) => {
  const r = el.getBoundingClientRect();
  if (r.right <= box.left + 1 || r.left >= box.right - 1 || r.bottom <= box.top + 1
      || r.top >= box.bottom - 1) return;
  (r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1
   && r.bottom <= box.bottom + 1 ? whole : cut).push(i);
});
const names = [...document.querySelectorAll('.item .name')].slice(0, 50)
  .map(n => parseFloat(getComputedStyle(n).fontSize));
return {whole, cut, count: items.length, scrollW: se.scrollWidth, scrollH: se.scrollHeight,
  vw, vh, box: [box.left, box.top, box.right, box.bottom], minName: Math.min(...names),
  scrollY: window.scrollY, pages: window.__board.pages};
"""


def relay_env(sim_url: str, **extra: str) -> dict[str, str]:
    env = {
        "TOAST_API_URL": sim_url, "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
        "RELAY_RESTAURANTS": json.dumps({"harbor": SAMPLE_RESTAURANT_GUID,
                                         "large": LARGE_RESTAURANT_GUID}),
        "RELAY_REFRESH_INTERVAL": "1", "RELAY_STOCK_INTERVAL": "1",
        "RELAY_IMAGE_ALLOW_PRIVATE": "true",  # the simulator serves images on 127.0.0.1
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("board")
    with running_stack(tmp, relays=0, local_images=True, env_for=relay_env) as running:
        sim_url = running.sim
        httpx.post(f"{sim_url}/_sim/large/{LARGE_RESTAURANT_GUID}", json={}, timeout=120)
        (url,) = running.start_relays()
        yield url, sim_url


def board_url(url: str, restaurant: str = "harbor", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {**params, "key": KEY}.items())
    return f"{url}/board/{restaurant}?{query}"


def menu_rows(url: str, restaurant: str = "harbor", **params: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{url}/menu/{restaurant}", params={**params, "key": KEY}, timeout=60)
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()["items"]
    return rows


def open_board(driver: Any, url: str) -> None:
    driver.get(url)
    wait_for(lambda: driver.execute_script("return window.__board && window.__board.scale"),
             60, "the board's first fit")


def layout(driver: Any) -> dict[str, Any]:
    out: dict[str, Any] = driver.execute_script(LAYOUT_JS)
    return out


