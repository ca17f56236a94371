"""A fault soak: 20 screens poll while the simulator cycles through every fault it has.

Bounded (about 30 s of faults, under 60 s in all): each fault (every mode on every
endpoint) holds for a moment, menus are re-published meanwhile so /menus is fetched
under the faults too. Every screen answer must be a 200 with the whole menu (never
empty, never fewer items than before), and the relay must never break Toast's
limits (the simulator counts calls its limiter refused, apart from injected 429s).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.sim.faults import ENDPOINTS, MODES
from app.sim.sample import SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID
from tests.support.relay_env import KEY
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration
POLLERS = 20
FAULT_SECONDS = 30.0
PATHS = ("/menu/harbor", "/menu/maple", "/menu/harbor?format=csv", "/stock/harbor")


def size(path: str, r: httpx.Response) -> int:
    """How much of the menu an answer holds: rows (JSON or CSV) or stock items."""
    if "format=csv" in path:
        return len(r.text.strip().splitlines()) - 1
    return len(r.json()["items"])


def test_twenty_pollers_through_every_fault(tmp_path: Path) -> None:
    """0 non-200, 0 empty, 0 shrinking answers while every fault cycles; limits kept."""
    with running_stack(tmp_path, TOAST_TIMEOUT="1") as stack:
        sim_url, url = stack.sim, stack.url
        full = {p: size(p, httpx.get(f"{url}{p}", headers={"X-API-Key": KEY}, timeout=30))
                for p in PATHS}
        assert all(full.values()), full
        statuses: Counter[int] = Counter()
        problems: list[str] = []
        stop = threading.Event()

        def poll(n: int) -> None:
            seen: dict[str, int] = {}
            with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=30) as c:
                while not stop.is_set():
                    n += 1
                    path = PATHS[n % len(PATHS)]
                    r = c.get(path)
                    statuses[r.status_code] += 1
                    if r.status_code != 200:
                        problems.append(f"{path}: {r.status_code} {r.text[:200]}")
                        continue
                    got = size(path, r)
                    if got == 0 or got < seen.get(path, 0) or got < full[path]:
                        problems.append(f"{path}: {got} items after {seen.get(path)}")
                    seen[path] = got
                    time.sleep(0.05)  # paces each poller, like a screen polling

        threads = [threading.Thread(target=poll, args=(n,)) for n in range(POLLERS)]
        for t in threads:
            t.start()
        faults = [(e, m) for m in sorted(MODES - {"off"}) for e in sorted(ENDPOINTS)]
        hold = FAULT_SECONDS / len(faults)
        try:
            with httpx.Client(base_url=sim_url, timeout=30) as control:
                for i, (endpoint, mode) in enumerate(faults):
                    control.post("/_sim/fault", json={
                        "endpoint": endpoint, "mode": mode, "delay": 1.5, "retryAfter": 1,
                    }).raise_for_status()
                    if i % 4 == 0:  # a new version, so /menus is fetched under the faults
                        guid = SAMPLE_RESTAURANT_GUID if i % 8 == 0 else SECOND_RESTAURANT_GUID
                        control.post(f"/_sim/publish/{guid}", json={}).raise_for_status()
                    time.sleep(hold)  # each fault holds for its share of the soak
                    control.post("/_sim/fault", json={"endpoint": "*", "mode": "off"})
                calls = control.get("/_sim/calls").json()
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert sum(statuses.values()) >= POLLERS * 10, statuses
        assert not problems, problems[:10]
        assert statuses == Counter({200: statuses[200]})
        assert calls["over_limit_calls"] == 0, calls
        assert calls["calls"].get("login", 0) <= 2, calls
