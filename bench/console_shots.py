"""Screenshots of the admin console into docs/ (``tasks.py screenshots`` takes them too):
the overview, the screens list, a screen's page (previews and editor) and a history, at
1366x768, and the screens list on a phone (390x844)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ADMIN = "console-shots-admin-0123456789"
PAGES = {
    "console-overview": ("/admin/", (1366, 768)),
    "console-screens": ("/admin/console/screens", (1366, 768)),
    "console-screen": ("/admin/console/screens/drinks", (1366, 768)),
    "console-history": ("/admin/console/history/harbor", (1366, 768)),
    "console-phone": ("/admin/console/screens", (390, 844)),
}


def _settle(driver: Any) -> None:
    deadline = time.monotonic() + 30
    while driver.execute_script("return document.readyState") != "complete":
        if time.monotonic() > deadline:
            raise RuntimeError("a console page never finished loading")
        time.sleep(0.1)
    time.sleep(1.0)  # the previews' boards fit their text after the page has loaded


def shoot_console(relay_url: str, out: Path, driver_path: str, chromium: str) -> list[Path]:
    """Sign in through the form, store a sample screen, and capture each console page."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    httpx.put(f"{relay_url}/admin/screens/drinks", headers={"X-API-Key": ADMIN}, timeout=30,
              json={"restaurant": "harbor", "title": "Drinks", "available": "all",
                    "groups": ["Cocktails", "Zero Proof"],
                    "layout": {"theme": "light"}}).raise_for_status()
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="console-shots-") as profile:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--hide-scrollbars", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.get(f"{relay_url}/admin/")
            driver.find_element(By.ID, "key").send_keys(ADMIN)
            driver.find_element(By.ID, "sign-in").click()
            for name, (path, (width, height)) in PAGES.items():
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                    "width": width, "height": height, "deviceScaleFactor": 1,
                    "mobile": width < 600})
                driver.get(relay_url + path)
                _settle(driver)
                target = out / f"{name}.png"
                target.write_bytes(driver.get_screenshot_as_png())
                written.append(target)
        finally:
            driver.quit()
    return written
