"""Part c: Toast calls for 10,000 screen polls over 10 simulated minutes, relay vs naive.

Virtual time: the relay (``create_app`` with its ``Relay``) and the simulator share
one ``FakeClock`` and talk over ``httpx.ASGITransport``, so ten minutes take seconds.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from bench.report import Section, Target, fmt, md_table
from bench.serving import KEY

SIM_BASE = "http://toast.sim"
RELAY_BASE = "http://relay.local"
ENDPOINTS = ("login", "menus", "metadata", "stock", "restaurants")
SETTLE = 0.5
POLL_STEP_LIMIT = 200
"""How many 10 ms clock steps a poll may need (a limiter wait) before we give up."""


@dataclass(frozen=True)
class PollRun:
    polls: int
    seconds: float
    calls: dict[str, int]
    statuses: Counter[int]
    bodies_changed_at: float | None
    published_at: float


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def _poll(client: httpx.AsyncClient, clock: Any, url: str,
                headers: dict[str, str]) -> httpx.Response:
    task = asyncio.ensure_future(client.get(url, headers=headers))
    await _settle()
    steps = 0
    while not task.done():  # the relay is waiting on the (virtual) clock: let it move
        steps += 1
        if steps > POLL_STEP_LIMIT:
            task.cancel()
            raise RuntimeError("a poll did not finish within 2 virtual seconds")
        await clock.advance(0.01)
    return await task


async def relay_polls(polls: int, seconds: float, refresh: float) -> PollRun:
    from app.api.app import create_app, lifespan_of, relay_of
    from app.clock import FakeClock
    from app.config import load_settings
    from app.sim.app import create_sim_app
    from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
    from app.sim.state import SimState

    clock = FakeClock()
    sim = SimState(clock=clock)
    sim_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sim_app(sim)),
                                 base_url=SIM_BASE)
    settings = load_settings(env={
        "TOAST_API_URL": SIM_BASE, "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
        "RELAY_REFRESH_INTERVAL": str(refresh), "RELAY_STOCK_INTERVAL": str(refresh)})
    relay_app = create_app(settings, clock=clock, http=sim_http)
    ops = lifespan_of(relay_app)
    screens = httpx.AsyncClient(transport=httpx.ASGITransport(app=relay_app),
                                base_url=RELAY_BASE)
    url = f"/menu/{SAMPLE_RESTAURANT_GUID}"
    statuses: Counter[int] = Counter()
    step = seconds / polls
    published_at, changed_at, first_etag = seconds / 2, None, None
    published = False
    # The lifespan builds and starts the relay (as uvicorn would), and stops it after
    # (which also closes sim_http, the relay's Toast client).
    try:
        async with ops.router.lifespan_context(ops):
            relay_of(relay_app)  # built and started by now
            for i in range(polls):
                if not published and i * step >= published_at:
                    r = await sim_http.post(f"/_sim/publish/{SAMPLE_RESTAURANT_GUID}")
                    r.raise_for_status()
                    published, published_at = True, clock.monotonic()
                resp = await _poll(screens, clock, url, {"X-API-Key": KEY})
                statuses[resp.status_code] += 1
                etag = resp.headers.get("etag")
                first_etag = first_etag or etag
                if published and changed_at is None and etag != first_etag:
                    changed_at = clock.monotonic()
                # Absolute positions, so 1,000 and 10,000 polls cover exactly the same span.
                await clock.advance(max(0.0, (i + 1) * step - clock.monotonic()))
            await clock.advance(SETTLE)  # let a check due at the very end finish
            calls = (await sim_http.get("/_sim/calls")).json()["calls"]
    finally:
        await screens.aclose()
    lag = None if changed_at is None else changed_at - published_at
    return PollRun(polls, seconds, {e: int(calls.get(e, 0)) for e in ENDPOINTS}, statuses,
                   lag, published_at)


async def naive_sample(polls: int, seconds: float) -> tuple[int, Counter[str]]:
    """Today's recipe: every poll logs in and fetches /menus; run ``polls`` of them."""
    from app.clock import FakeClock
    from app.sim.app import create_sim_app
    from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
    from app.sim.state import SimState

    clock = FakeClock()
    sim = SimState(clock=clock)
    outcome: Counter[str] = Counter()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sim_app(sim)),
                                 base_url=SIM_BASE) as http:
        for _ in range(polls):
            login = await http.post("/authentication/v1/authentication/login", json={
                "clientId": SAMPLE_CLIENT_ID, "clientSecret": SAMPLE_CLIENT_SECRET,
                "userAccessType": "TOAST_MACHINE_CLIENT"})
            outcome[f"login {login.status_code}"] += 1
            if login.status_code == 200:
                token = login.json()["token"]["accessToken"]
                menus = await http.get("/menus/v2/menus", headers={
                    "Authorization": f"Bearer {token}",
                    "Toast-Restaurant-External-ID": SAMPLE_RESTAURANT_GUID})
                outcome[f"menus {menus.status_code}"] += 1
            await clock.advance(seconds / polls)
    return polls, outcome


def run(polls: int, seconds: float, refresh: float) -> Section:
    section = Section(f"c. Toast calls for {polls:,} screen polls over {seconds / 60:g} "
                      "simulated minutes")
    small = max(polls // 10, 1)
    big = asyncio.run(relay_polls(polls, seconds, refresh))
    few = asyncio.run(relay_polls(small, seconds, refresh))
    n_sample = min(polls, 1000)
    sample_seconds = seconds * n_sample / polls
    _, naive = asyncio.run(naive_sample(n_sample, sample_seconds))

    def row(label: str, calls: dict[str, int], n: int) -> list[str]:
        total = sum(calls.values())
        return [label, *(f"{calls[e]:,}" for e in ENDPOINTS), f"{total:,}",
                fmt(calls["login"] / n, 4), fmt(calls["menus"] / n, 4), fmt(total / n, 4)]

    naive_calls = dict.fromkeys(ENDPOINTS, 0) | {"login": polls, "menus": polls}
    marginal = {e: (big.calls[e] - few.calls[e]) / (big.polls - few.polls) for e in ENDPOINTS}
    header = ["approach", *ENDPOINTS, "total", "logins/poll", "/menus/poll", "calls/poll"]
    section.add(
        f"Relay: create_app + Relay on a FakeClock shared with an in-process simulator "
        f"(httpx.ASGITransport), RELAY_REFRESH_INTERVAL={refresh:g}, RELAY_STOCK_INTERVAL="
        f"{refresh:g}; {polls:,} `GET /menu/{{sample}}` polls evenly over {seconds:g} s; "
        f"one `POST /_sim/publish` at t={big.published_at:.0f} s. Counts from `/_sim/calls`.")
    section.add(md_table(header, [
        row(f"relay, {big.polls:,} polls", big.calls, big.polls),
        row(f"relay, {few.polls:,} polls (same 10 min)", few.calls, few.polls),
        ["relay, marginal per extra poll", *(fmt(marginal[e], 4) for e in ENDPOINTS),
         fmt(sum(marginal.values()), 4), fmt(marginal["login"], 4), fmt(marginal["menus"], 4),
         fmt(sum(marginal.values()), 4)],
        row(f"naive (log in + /menus per poll), {polls:,} polls, computed", naive_calls, polls),
    ]))
    menus_total = sum(v for k, v in naive.items() if k.startswith("menus"))
    refused = naive["menus 429"] / menus_total if menus_total else 0.0
    lag = "not seen" if big.bodies_changed_at is None else f"{big.bodies_changed_at:.1f} s"
    section.add(
        f"Screens got {dict(big.statuses)} (status: count); the published change reached "
        f"screens after {lag} of simulated time. The naive recipe run against the simulator "
        f"for its first {n_sample:,} polls ({sample_seconds:g} simulated s): "
        f"{dict(sorted(naive.items()))}: {refused:.0%} of its /menus calls are refused "
        f"(429), and its {naive['login 200']:,} logins compare with Toast's 2 an hour.")
    per_poll_login, per_poll_menus = marginal["login"], marginal["menus"]
    section.targets.append(Target(
        "c. logins and /menus per screen poll", f"{fmt(per_poll_login, 4)} / "
        f"{fmt(per_poll_menus, 4)} (marginal)", "0 / 0",
        per_poll_login == 0 and per_poll_menus == 0,
        f"totals for {polls:,} polls: {big.calls['login']} login, {big.calls['menus']} /menus "
        f"(first load + 1 publish); naive: {polls:,} + {polls:,}"))
    return section
