"""The admin console in a real headless Chromium: sign in, make a screen by clicking, see it
in the preview, copy its URL, open it and find exactly the chosen items, sign out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.support.board import KEY, menu_rows, relay_env
from tests.support.browser import chromium
from tests.support.console import ADMIN
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
GROUPS = ("Cocktails", "Zero Proof")
SHOWN = "return [...document.querySelectorAll('#content .item')].map(e => e.dataset.guid)"


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("console-browser")
    with running_stack(tmp, env_for=relay_env, RELAY_ADMIN_KEY=ADMIN) as stack:
        yield stack.url


def group_rows(driver: Any, group: str) -> list[Any]:
    rows: list[Any] = driver.find_elements(
        By.XPATH, f"//fieldset[.//input[@data-group='{group}']]//tr[@data-item]")
    return rows


def in_groups(url: str) -> list[dict[str, Any]]:
    """The menu's rows under the chosen groups, once each (what the screen may show)."""
    wanted = {g.casefold() for g in GROUPS}
    rows = [r for r in menu_rows(url, available="all")
            if wanted & {p.strip().casefold() for p in r["groupPath"].split(" > ")}]
    return list({r["guid"]: r for r in rows}.values())


def test_make_a_screen_by_clicking_and_play_it(relay: str) -> None:
    """Sign in, tick two groups, hide one item, rename another, save; the 16:9 preview and
    the copied player URL both show exactly the chosen items (renamed, without the hidden
    one); signing out ends the session."""
    with chromium(1366, 768) as driver:
        driver.get(f"{relay}/admin/")
        driver.find_element(By.ID, "key").send_keys(ADMIN)
        driver.find_element(By.ID, "sign-in").click()
        wait_for(lambda: driver.find_elements(By.ID, "sign-out"), 10, "the signed-in page")

        driver.find_element(By.LINK_TEXT, "Screens").click()
        Select(driver.find_element(By.ID, "new-restaurant")).select_by_value("harbor")
        driver.find_element(By.ID, "new-screen").click()
        wait_for(lambda: driver.find_elements(By.ID, "editor"), 10, "the editor")

        driver.find_element(By.ID, "name").send_keys("bar")
        for group in GROUPS:
            driver.find_element(By.CSS_SELECTOR, f'input[data-group="{group}"]').click()
        first, second = group_rows(driver, GROUPS[0])[:2]
        hidden = first.get_attribute("data-item")
        renamed = second.get_attribute("data-item")
        first.find_element(By.CSS_SELECTOR, "input.hide").click()
        second.find_element(By.CSS_SELECTOR, "input.rename").send_keys("House Special")
        Select(driver.find_element(By.ID, "available")).select_by_value("all")
        driver.find_element(By.ID, "save").click()
        wait_for(lambda: driver.find_elements(By.ID, "saved"), 10, "the saved screen")

        want = [r["guid"] for r in in_groups(relay) if r["guid"] != hidden]
        assert hidden not in want and renamed in want

        driver.switch_to.frame(driver.find_element(By.ID, "preview-landscape"))
        wait_for(lambda: driver.execute_script(SHOWN), 20, "the board in the preview")
        assert sorted(driver.execute_script(SHOWN)) == sorted(want)
        assert "House Special" in driver.find_element(By.ID, "content").text
        driver.switch_to.default_content()

        copy = driver.find_element(By.CSS_SELECTOR, "button.copy")
        copy.click()
        wait_for(lambda: copy.get_attribute("data-copied") == "true", 5, "the copy")
        url = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.clipboard.readText().then(done, () => done(null));")
        shown_url = driver.find_element(By.CSS_SELECTOR, "input.player-url").get_attribute(
            "value")
        assert url in (shown_url, None)  # headless may not let a page read the clipboard
        assert shown_url.endswith(f"/s/bar?key={KEY}") and ADMIN not in shown_url
        assert driver.find_element(By.CSS_SELECTOR, "figure.qr svg")

        driver.get(shown_url)
        wait_for(lambda: driver.execute_script(SHOWN), 20, "the player's board")
        assert sorted(driver.execute_script(SHOWN)) == sorted(want)
        assert "House Special" in driver.find_element(By.ID, "content").text

        driver.get(f"{relay}/admin/console/screens")
        driver.find_element(By.ID, "sign-out").click()
        wait_for(lambda: driver.find_elements(By.ID, "sign-in"), 10, "the sign-in form")
        driver.get(f"{relay}/admin/console/screens")
        assert driver.find_elements(By.ID, "sign-in") and not driver.find_elements(
            By.ID, "sign-out")
