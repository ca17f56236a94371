"""Debian's Chromium driven by selenium: no browser download, a fresh profile per driver."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.procs import require_binary

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--hide-scrollbars"]


@contextmanager
def chromium(width: int, height: int, *, perf_log: bool = False) -> Iterator[Any]:
    """A headless Chromium whose viewport is exactly ``width`` x ``height`` CSS pixels.

    Skips when Chromium or chromedriver is missing; fails instead under CI=true.
    """
    binary = require_binary("chromium")
    driver_path = require_binary("chromedriver")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    with tempfile.TemporaryDirectory(prefix="board-chromium-") as profile:
        for flag in [*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"]:
            options.add_argument(flag)
        if perf_log:
            options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.set_script_timeout(120)
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
            yield driver
        finally:
            driver.quit()
