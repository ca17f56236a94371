"""Debian's headless Chromium for the benchmark, and timing text until it is painted."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.procs import find_binary

PAINTED_SCRIPT = """
const text = arguments[0];
window.__seenAt = null;
if (window.__seenObserver) window.__seenObserver.disconnect();
const seen = () => {
  if (window.__seenAt === null && document.body.textContent.includes(text)) {
    window.__seenAt = -1;
    // The frame after the DOM change: the new text is laid out and painted.
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__seenAt = Date.now(); }));
  }
};
window.__seenObserver = new MutationObserver(seen);
window.__seenObserver.observe(document.body, {childList: true, subtree: true,
                                              characterData: true});
seen();
"""


@contextmanager
def chromium(width: int = 1920, height: int = 1080) -> Iterator[Any | None]:
    """A selenium driver on Debian's Chromium; None when Chromium, chromedriver or selenium
    is missing (the part then reports the figure as not measured)."""
    browser, driver_path = find_binary("chromium"), find_binary("chromedriver")
    if browser is None or driver_path is None:
        yield None
        return
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        yield None
        return
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                     f"--window-size={width},{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def painted_after(driver: Any, text: str, change: Callable[[], None], timeout: float,
                  poll: float = 0.005) -> float:
    """Seconds from calling ``change`` until ``text`` is painted on the open page."""
    driver.execute_script(PAINTED_SCRIPT, text)
    started = time.time()
    change()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen_at = driver.execute_script("return window.__seenAt")
        if isinstance(seen_at, int | float) and seen_at > 0:
            return float(seen_at) / 1000 - started
        time.sleep(poll)
    raise RuntimeError(f"{text!r} was not painted within {timeout:g} s")
