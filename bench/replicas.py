"""Part d: replicas: Toast calls per publish and per token lifetime, 1 vs 3 processes.

Real ``toast-relay serve`` processes against the simulator with short tokens:
one replica alone, three replicas each on their own (what several replicas did
before REDIS_URL), and three replicas sharing one redis-server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.procs import Procs, start_redis, start_relay, start_sim
from bench.report import Section, Target, fmt, md_table, median
from bench.serving import KEY, relay_env

INTERVAL = 1.0
"""RELAY_REFRESH_INTERVAL of every replica here (seconds)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    replicas: int
    redis: bool


SCENARIOS = (Scenario("1 replica", 1, False),
             Scenario("3 replicas, no Redis", 3, False),
             Scenario("3 replicas + Redis", 3, True))


@dataclass(frozen=True)
class Outcome:
    menus_per_publish: float
    current_after_s: list[float]
    logins_per_lifetime: float
    dead_token_calls: int
    rate_limited: int


def _calls(sim: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{sim}/_sim/calls", timeout=10).json()
    return data


def _price(url: str, guid: str, item: str) -> float | None:
    r = httpx.get(f"{url}/menu/{guid}", params={"key": KEY}, timeout=10)
    return next(i["price"] for i in r.json()["items"] if i["guid"] == item)  # type: ignore[no-any-return]


def _publish(sim: str, urls: list[str], guid: str, step: int) -> float:
    """Publish a price change; seconds until every replica shows it."""
    items = httpx.get(f"{urls[0]}/menu/{guid}", params={"key": KEY}, timeout=10).json()["items"]
    item = next(i for i in items if i["price"] and not i["sizes"])
    price = round(item["price"] + 0.25 * step, 2)
    started = time.monotonic()
    httpx.post(f"{sim}/_sim/publish/{guid}",
               json={"itemGuid": item["guid"], "price": price}, timeout=10).raise_for_status()
    while time.monotonic() - started < 60:
        if all(_price(u, guid, item["guid"]) == price for u in urls):
            return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError("a replica never showed the published price within 60 s")


def _scenario(tmp: Path, sc: Scenario, lifetime: float, publishes: int) -> Outcome | None:
    from app.sim.sample import SAMPLE_RESTAURANT_GUID as GUID

    with Procs() as procs:
        sim = start_sim(procs, tmp, token_lifetime=lifetime)
        extra = {"RELAY_REFRESH_INTERVAL": str(INTERVAL), "RELAY_STOCK_INTERVAL": "5",
                 "TOAST_TOKEN_REFRESH_WINDOW": str(max(5.0, lifetime / 3)),
                 "RELAY_RESTAURANTS": GUID}
        if sc.redis:
            url = start_redis(procs, tmp)
            if url is None:
                return None
            extra["REDIS_URL"] = url
        urls = [start_relay(procs, tmp, relay_env(sim, **extra), name=f"replica-{i}")[1]
                for i in range(sc.replicas)]
        for u in urls:
            httpx.get(f"{u}/menu/{GUID}", params={"key": KEY}, timeout=30).raise_for_status()
        before = _calls(sim)
        current = []
        for step in range(1, publishes + 1):
            current.append(_publish(sim, urls, GUID, step))
            time.sleep(2 * INTERVAL)  # later checks must not fetch again
        after = _calls(sim)
        menus = (after["by_restaurant"][GUID].get("menus", 0)
                 - before["by_restaurant"][GUID].get("menus", 0))
        # Token lifetimes: screens keep polling every replica for two lifetimes.
        logins0, started = after["calls"].get("login", 0), time.monotonic()
        while time.monotonic() - started < 2 * lifetime:
            for u in urls:
                httpx.get(f"{u}/menu/{GUID}", params={"key": KEY}, timeout=10)
            time.sleep(0.5)
        end = _calls(sim)
        lifetimes = (time.monotonic() - started) / lifetime
    return Outcome(menus / publishes, current,
                   (end["calls"].get("login", 0) - logins0) / lifetimes,
                   end["expired_token_calls"], end["rate_limited_calls"])


def run(tmp: Path, lifetime: float, publishes: int) -> Section:
    section = Section("d. Replicas: Toast calls per publish and per token lifetime")
    rows: list[list[str]] = []
    outcomes: dict[str, Outcome] = {}
    for i, sc in enumerate(SCENARIOS):
        (tmp / str(i)).mkdir()
        out = _scenario(tmp / str(i), sc, lifetime, publishes)
        if out is None:
            rows.append([sc.name, "skipped: redis-server not installed", "", "", "", ""])
            continue
        outcomes[sc.name] = out
        rows.append([sc.name, fmt(out.menus_per_publish, 2),
                     fmt(median(out.current_after_s), 2), fmt(out.logins_per_lifetime, 2),
                     str(out.dead_token_calls), str(out.rate_limited)])
    section.add(
        f"Real `toast-relay serve` processes against the simulator with {lifetime:g} s tokens, "
        f"RELAY_REFRESH_INTERVAL={INTERVAL:g} s; {publishes} price publishes (each followed "
        f"by two more check intervals), then screens polling every replica for two token "
        f"lifetimes. \"current after\" = median seconds from the publish until every "
        f"replica serves the new price.")
    section.add(md_table(["setup", "/menus per publish", "current after (s)",
                          "logins per token lifetime", "dead-token calls", "429s"], rows))
    shared = outcomes.get("3 replicas + Redis")
    if shared is not None:
        section.targets.append(Target(
            "d. 3 replicas + Redis: /menus per publish", fmt(shared.menus_per_publish, 2),
            "1", shared.menus_per_publish <= 1.0))
        worst = max(shared.current_after_s)
        section.targets.append(Target(
            "d. 3 replicas + Redis: every replica current", f"{fmt(worst, 2)} s (worst)",
            f"≤ interval + 1 s = {INTERVAL + 1:g} s", worst <= INTERVAL + 1))
        section.targets.append(Target(
            "d. 3 replicas + Redis: dead-token calls and 429s",
            f"{shared.dead_token_calls} / {shared.rate_limited}", "0 / 0",
            shared.dead_token_calls == 0 and shared.rate_limited == 0))
    return section
