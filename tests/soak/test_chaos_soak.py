"""The chaos soak: three relay replicas on one real redis-server against the simulator, with
screens and boards on every replica, through a seeded schedule of faults (about 2 minutes).

Run alone with ``.venv/bin/python -m pytest tests/soak -s``; ``SOAK_SEED=<n>`` replays a
schedule, ``SOAK_SEED=random`` draws one. The seed, the schedule and a table of counts per
fault kind are printed; every invariant is checked over the whole run and the failures are
named with their counts.
"""

from __future__ import annotations

import random
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_CLIENT_SECRET
from tests.support.procs import Procs
from tests.support.redis_server import RedisServer
from tests.support.relay_env import KEY
from tests.support.soak.chaos import Chaos
from tests.support.soak.cluster import (
    REFRESH_WINDOW,
    REPLICAS,
    TOKEN_LIFETIME,
    WEBHOOK_SECRET,
    Cluster,
)
from tests.support.soak.ledger import Ledger, logins_allowed, table, violations
from tests.support.soak.schedule import build_schedule, seed_from_env
from tests.support.soak.traffic import SCREENS_PER_REPLICA, Prices, board, screen

pytestmark = pytest.mark.integration
LIMIT = 300.0
"""No loop of the soak outlives this many seconds, whatever happens."""
GAP = 1.0


def first_menu(url: str) -> tuple[Prices, list[str]]:
    """The tracked item (one plain price) and a few items in stock, from a replica's menu."""
    rows = httpx.get(f"{url}/menu/harbor", params={"key": KEY}, timeout=30).json()["items"]
    item = next(r for r in rows if r["price"] and not r["sizes"])
    in_stock = sorted({r["guid"] for r in rows if not r["outOfStock"] and r["quantity"] is None})
    return Prices(item["guid"], float(item["price"])), in_stock[:5]


def test_replicas_hold_every_promise_through_seeded_chaos(tmp_path: Path) -> None:
    """Through every fault kind: no failed, empty, wrong or late screen answer, no repeated
    refused token, no earned 429, logins within budget, every publish on every replica and
    board, each webhook acted on once."""
    seed = seed_from_env()
    schedule = build_schedule(seed, REPLICAS)
    print(f"\nchaos soak: seed {seed} (SOAK_SEED={seed} replays this schedule)")
    for n, spec in enumerate(schedule, 1):
        print(f"  {n}. {spec.describe()}")
    began = time.monotonic()
    redis = RedisServer(tmp_path)  # under CI=true a missing redis-server fails here
    stop = threading.Event()
    threads: list[threading.Thread] = []
    notes: list[str] = []
    with Procs(tmp_path) as procs, ExitStack() as cleanup:
        redis.start()
        cleanup.callback(redis.kill)
        cluster = Cluster(procs, redis)
        cleanup.callback(cluster.close)
        cluster.start()
        started = time.monotonic()
        prices, in_stock = first_menu(cluster.urls[0])
        ledger = Ledger(replicas=REPLICAS, boards=REPLICAS)
        cluster.webhooks(on=True)
        deadline = started + LIMIT
        for i in range(REPLICAS):
            threads += [threading.Thread(target=screen, args=(cluster, ledger, prices, i, stop,
                                                              deadline), daemon=True)
                        for _ in range(SCREENS_PER_REPLICA)]
            threads.append(threading.Thread(target=board, args=(cluster, ledger, prices, i, stop,
                                                                deadline), daemon=True))
        for t in threads:
            t.start()
        chaos = Chaos(cluster, ledger, prices, in_stock, random.Random(seed), notes)
        try:
            warm_until = time.monotonic() + 30
            while time.monotonic() < warm_until and not ledger.caught_up(0, started,
                                                                          cluster.live()):
                time.sleep(0.1)
            for spec in schedule:
                time.sleep(GAP)
                chaos.run(spec)
            time.sleep(GAP)
            finished = time.monotonic()
            total = cluster.counts()
        finally:
            stop.set()
            for t in threads:
                t.join(10)
        logs = cluster.logs()
    elapsed = finished - started
    rows = ledger.tally(total, finished)
    allowed = logins_allowed(elapsed, TOKEN_LIFETIME, REFRESH_WINDOW, total.revocations)
    print(f"\nchaos soak: seed {seed}, {len(schedule)} faults, {elapsed:.1f} s of traffic, "
          f"{time.monotonic() - began:.1f} s in all; logins {total.logins} "
          f"(allowed {allowed}), tokens issued {total.tokens_issued}")
    print(table(rows))
    for note in notes:
        print(f"note: {note}")
    broken = violations(rows["total"], allowed)
    for secret in (SAMPLE_CLIENT_SECRET, WEBHOOK_SECRET):
        if secret in logs:
            broken.append("a secret appears in a replica's log")
    assert not broken, f"seed {seed}: " + "; ".join(broken)
