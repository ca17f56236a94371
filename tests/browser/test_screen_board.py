"""A stored screen's board in a real headless Chromium: its items only, parts disjoint,
and an edit shown without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.board import KEY, open_board, relay_env
from tests.support.browser import chromium
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"
SHOWN = "return [...document.querySelectorAll('#content .item')].map(e => e.dataset.guid)"


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("screen-board")
    with running_stack(tmp, env_for=relay_env, RELAY_ADMIN_KEY=ADMIN) as stack:
        yield stack.url


def put(url: str, name: str, body: dict[str, Any]) -> None:
    r = httpx.put(f"{url}/admin/screens/{name}", json=body, headers={"X-API-Key": ADMIN},
                  timeout=30)
    assert r.status_code == 200, r.text


def chosen(url: str, name: str, **params: str) -> list[str]:
    r = httpx.get(f"{url}/s/{name}/menu", params={"key": KEY, **params}, timeout=30)
    assert r.status_code == 200, r.text
    return [row["guid"] for row in r.json()["items"]]


def test_parts_show_the_chosen_items_once_each(relay: str) -> None:
    """Each part's board shows only its share of the chosen items; together, each once."""
    put(relay, "food", {"restaurant": "harbor", "menus": ["Lunch"], "parts": 2,
                        "available": "all"})
    seen: list[str] = []
    with chromium(1920, 1080) as driver:
        for part in ("1", "2"):
            open_board(driver, f"{relay}/s/food?part={part}&key={KEY}")
            shown = driver.execute_script(SHOWN)
            assert shown == chosen(relay, "food", part=part)
            seen += shown
    assert seen == chosen(relay, "food")


def test_an_edit_shows_without_a_reload(relay: str) -> None:
    """Renaming an item and changing the groups reaches the open board in place (the
    page is never reloaded) within a few seconds."""
    put(relay, "drinks", {"restaurant": "harbor", "groups": ["Cocktails"], "available": "all"})
    with chromium(1920, 1080) as driver:
        open_board(driver, f"{relay}/s/drinks?key={KEY}")
        assert driver.execute_script(SHOWN) == chosen(relay, "drinks")
        driver.execute_script("window.__notReloaded = true")
        first = chosen(relay, "drinks")[0]
        put(relay, "drinks", {"restaurant": "harbor", "groups": ["Zero Proof", "Cocktails"],
                              "rename": {first: "Screen Special"}, "available": "all"})
        want = chosen(relay, "drinks")
        wait_for(lambda: driver.execute_script(SHOWN) == want, timeout=5,
                 what="the edited selection on the open board")
        assert "Screen Special" in driver.find_element("id", "content").text
        assert driver.execute_script("return window.__notReloaded") is True
