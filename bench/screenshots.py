"""Screenshots of every board template at 16:9 and 9:16, and of the admin console
(``bench.console_shots``), into docs/ (``tasks.py screenshots``).

Starts the simulator (with its local images) and a relay on 127.0.0.1, opens each
board in Debian's headless Chromium at full size (1920x1080 and 1080x1920) and
writes ``docs/board-<template>-<landscape|portrait>.png``. The sample's lunch menu
is shown (``menu=Lunch&available=all``) so the pictures do not depend on the time of day.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.console_shots import ADMIN, shoot_console
from bench.procs import Procs, find_binary, start_relay, start_sim
from bench.serving import KEY, relay_env

DOCS = Path(__file__).resolve().parent.parent / "docs"
TEMPLATES = {
    "columns": "images=true&calories=us",
    "list": "calories=us",
    "feature": "calories=us&footer=Ask+us+about+allergens",
}
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def shoot(relay_url: str, out: Path, driver_path: str, chromium: str) -> list[Path]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download
    written: list[Path] = []
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    with tempfile.TemporaryDirectory(prefix="shots-chromium-") as profile:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--hide-scrollbars", "--disable-background-networking",
                     f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            for template, extra in TEMPLATES.items():
                for orientation, (width, height) in SIZES.items():
                    driver.set_window_size(width, height)
                    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                        "width": width, "height": height, "deviceScaleFactor": 1,
                        "mobile": False})
                    driver.get(f"{relay_url}/board/harbor?key={KEY}&menu=Lunch&available=all&"
                               f"template={template}&{extra}&refresh=3600")
                    deadline = time.monotonic() + 60
                    while not driver.execute_script(
                            "return window.__board && window.__board.scale && "
                            "[...document.images].every(i => i.complete)"):
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"the {template} board never settled")
                        time.sleep(0.2)
                    path = out / f"board-{template}-{orientation}.png"
                    path.write_bytes(driver.get_screenshot_as_png())
                    written.append(path)
        finally:
            driver.quit()
    return written


def main() -> int:
    chromium, driver_path = find_binary("chromium"), find_binary("chromedriver")
    if chromium is None or driver_path is None:
        print("screenshots need Debian's chromium and chromium-driver "
              "(apt-get install chromium chromium-driver)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="shots-") as tmp, Procs() as procs:
        sim_url = start_sim(procs, Path(tmp), local_images=True)
        restaurants = '{"harbor": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"}'
        _, relay_url = start_relay(procs, Path(tmp), relay_env(
            sim_url, RELAY_RESTAURANTS=restaurants, RELAY_IMAGE_ALLOW_PRIVATE="true",
            RELAY_ADMIN_KEY=ADMIN))
        for path in [*shoot(relay_url, DOCS, driver_path, chromium),
                     *shoot_console(relay_url, DOCS, driver_path, chromium)]:
            print(f"wrote {path.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
