"""Part e in headless Chromium: a board's first render and its in-place updates.

One browser (1920x1080) opens each board a few times (first render: navigation start
to DOM interactive, which includes the script's first fit, since the script runs inline
at the end of the body) and then applies re-prices in place through the script's own
``apply`` hook, in batches so that no call runs long.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from bench.procs import find_binary

PRICE = re.compile(r"\$(\d+)\.(\d\d)")


@dataclass(frozen=True)
class Timing:
    """What one board measured: page bytes, first render and updates (ms)."""

    page_bytes: int
    first: list[float]
    updates: list[float]

    @property
    def first_median(self) -> float:
        return statistics.median(self.first)

    @property
    def p50(self) -> float:
        return statistics.median(self.updates)

    @property
    def p95(self) -> float:
        return p95(self.updates)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def repriced(content: str) -> str:
    """The content with its first price (and every other occurrence of it) 50 cents up:
    the usual update, same items in the same order."""
    found = PRICE.search(content)
    if found is None:
        raise RuntimeError("no price in the board's content")
    cents = int(found[1]) * 100 + int(found[2]) + 50
    return content.replace(found[0], f"${cents // 100}.{cents % 100:02d}")


@contextmanager
def browser() -> Iterator[Any | None]:
    """A headless Chromium at 1920x1080 with a throwaway profile (None without one)."""
    chromium, driver_path = find_binary("chromium"), find_binary("chromedriver")
    if chromium is None or driver_path is None:
        yield None
        return
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", f"--user-data-dir={profile}", "--window-size=1920,1080"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
            driver.set_script_timeout(600)
            yield driver
        finally:
            driver.quit()


def first_render(driver: Any, url: str) -> float:
    """Navigation start to DOM interactive (ms), once the board has fitted."""
    driver.get(url)
    deadline = time.monotonic() + 120
    while not driver.execute_script("return window.__board && window.__board.scale"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the board never fitted in Chromium: {url}")
        time.sleep(0.05)
    ms: float = driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].domInteractive")
    return ms


def updates(driver: Any, content: str, count: int) -> list[float]:
    """ms per in-place update (``window.__board.lastApplyMs``), re-prices back and forth."""
    other = repriced(content)
    times: list[float] = []
    for start in range(0, count, 25):  # batches keep each call short
        times += driver.execute_script("""const [a, b, first, n] = arguments;
            const out = [];
            for (let i = first; i < first + n; i++) {
              window.__board.apply(i % 2 ? b : a, 'x' + i);
              out.push(window.__board.lastApplyMs);
            }
            return out;""", content, other, start, min(25, count - start))
    return times


def measure(driver: Any, url: str, loads: int, count: int) -> Timing:
    """Page bytes, ``loads`` first renders and ``count`` updates of the board at ``url``."""
    page = httpx.get(url, timeout=60).content
    content = httpx.get(url + "&part=content", timeout=60).text
    first = [first_render(driver, url) for _ in range(loads)]
    return Timing(len(page), first, updates(driver, content, count))
