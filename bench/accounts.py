"""Part j: several Toast accounts on one relay, with real processes (issue 23).

``toast-relay sim --clients FILE`` serves ``accounts`` API clients, each reading its own
``per_account`` restaurants, plus one client reading all of them; ``/_sim/fleet`` gives
every one of those restaurants part g's menu (``ITEMS`` items). Then, on 127.0.0.1:

- ``toast-relay serve`` with ``RELAY_ACCOUNTS_FILE`` naming one account per client (its
  restaurants, a screen key each): per account, the warm-up until all its restaurants
  have a copy against Toast's floor for it (``warm_floor``; clients have rates of their
  own, so accounts warm side by side), and the calls its client received, scaled to
  Toast's 15-minute window (``first_window``), against the client's 10,000;
- the same restaurants as one account (the client reading all), the reference for
  resident memory per restaurant, each relay's RSS less the RSS of the same set-up with
  one restaurant per account.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config.accounts_file import account_toml
from bench.accounts_figures import (
    AccountRun,
    ClientCalls,
    RelayRun,
    steady_span,
    unloaded,
    warm_floor,
)
from bench.many import ADMIN, ITEMS, MODIFIER_GROUPS
from bench.procs import Procs, cpu_seconds, proc_status, start_relay, start_sim
from bench.report import Section
from bench.serving import relay_env

NAMESPACE = uuid.UUID("a7c1e0d4-3b52-4f68-9e17-2d40c5b8f613")
SOLO = "bench-one-client"
"""The simulator's client reading every account's restaurants: the one-account run."""
POLL = 0.25


@dataclass(frozen=True)
class Config:
    accounts: int = 3
    per_account: int = 200
    steady_s: float = 120.0
    """At least this many seconds of calls counted once every restaurant was checked."""
    interval: float = 60.0
    """``RELAY_REFRESH_INTERVAL`` and ``RELAY_STOCK_INTERVAL`` (the defaults)."""


@dataclass(frozen=True)
class Account:
    """One account of the benchmark, the simulator's client it logs in as, and its
    restaurants (the same name for both)."""

    name: str
    guids: tuple[str, ...]

    @property
    def secret(self) -> str:
        return f"bench-secret-of-{self.name}"

    @property
    def screen_key(self) -> str:
        return f"bench-screen-key-of-{self.name}"


def plan(cfg: Config) -> list[Account]:
    return [Account(f"account-{a + 1}", tuple(
        str(uuid.uuid5(NAMESPACE, f"{a + 1}/{i}")) for i in range(cfg.per_account)))
        for a in range(cfg.accounts)]


def _toml_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def clients_file(accounts: list[Account]) -> str:
    """The simulator's ``--clients`` file: one client per account, and ``SOLO``."""
    every = [g for a in accounts for g in a.guids]
    tables = [(a.name, a.secret, list(a.guids)) for a in accounts]
    tables.append((SOLO, f"bench-secret-of-{SOLO}", every))
    return "\n".join(f'[clients.{name}]\nsecret = "{secret}"\nrestaurants = '
                     f"{_toml_list(guids)}\n" for name, secret, guids in tables)


def accounts_file(sim_url: str, accounts: list[Account], per_account: int | None) -> str:
    """The relay's ``RELAY_ACCOUNTS_FILE``: each account its client, its first
    ``per_account`` restaurants (all: None) and a screen key."""
    return "\n".join(account_toml(a.name, {
        "api_url": sim_url, "client_id": a.name, "client_secret": a.secret,
        "restaurants": list(a.guids[:per_account]), "screen_keys": [a.screen_key]})
        for a in accounts)


def _by_client(sim_url: str) -> dict[str, object]:
    r = httpx.get(f"{sim_url}/_sim/calls", timeout=30)
    r.raise_for_status()
    calls: dict[str, object] = r.json()
    return calls


def _unloaded(url: str) -> set[str]:
    """Restaurants without a copy yet: ``state=problems`` lists them (and a stale or
    stock-failing one, which has a copy), a list that shrinks as the warm-up goes."""
    r = httpx.get(f"{url}/admin/status", params={"state": "problems", "limit": 1000},
                  headers={"X-API-Key": ADMIN}, timeout=30)
    r.raise_for_status()
    return unloaded(r.json()["restaurants"])


@dataclass(frozen=True)
class _Relay:
    """A relay to measure: its accounts (name, simulator client, restaurants), its
    environment and its folder (log, data: a fresh one, so nothing loads from disk)."""

    accounts: tuple[tuple[str, str, tuple[str, ...]], ...]
    env: dict[str, str]
    dir: Path


def _multi(tmp: Path, sim_url: str, accounts: list[Account], per_account: int | None,
           interval: float) -> _Relay:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "accounts.toml"
    path.write_text(accounts_file(sim_url, accounts, per_account))
    path.chmod(0o600)
    env = {"RELAY_ACCOUNTS_FILE": str(path), "RELAY_ADMIN_KEY": ADMIN,
           "RELAY_DATA_DIR": str(tmp / "data"), "RELAY_REFRESH_INTERVAL": f"{interval:g}",
           "RELAY_STOCK_INTERVAL": f"{interval:g}"}
    return _Relay(tuple((a.name, a.name, a.guids[:per_account]) for a in accounts), env, tmp)


def _solo(tmp: Path, sim_url: str, guids: list[str], interval: float) -> _Relay:
    tmp.mkdir(parents=True, exist_ok=True)
    env = relay_env(sim_url, TOAST_CLIENT_ID=SOLO, TOAST_CLIENT_SECRET=f"bench-secret-of-{SOLO}",
                    RELAY_RESTAURANTS=",".join(guids), RELAY_ADMIN_KEY=ADMIN,
                    RELAY_DATA_DIR=str(tmp / "data"), RELAY_REFRESH_INTERVAL=f"{interval:g}",
                    RELAY_STOCK_INTERVAL=f"{interval:g}")
    return _Relay((("default", SOLO, tuple(guids)),), env, tmp)


def _base_rss(procs: Procs, relay: _Relay) -> int:
    """RSS (KiB) of a relay once its restaurants (one per account) are loaded."""
    proc, url = start_relay(procs, relay.dir, relay.env)
    deadline = time.monotonic() + 60
    while _unloaded(url) and time.monotonic() < deadline:
        time.sleep(POLL)
    time.sleep(1.0)
    rss = proc_status(proc.pid)["VmRSS"]
    procs.stop_last()
    return rss


Warm = dict[str, tuple[float, dict[str, object]]]
"""Account → (seconds until all its restaurants had a copy, ``/_sim/calls`` then)."""


def _warm_up(url: str, sim_url: str, relay: _Relay, t0: float) -> tuple[Warm, set[str]]:
    """Each account's warm-up (as far as it got by the timeout), and what is left."""
    left = {name: set(guids) for name, _, guids in relay.accounts}
    warm: Warm = {}
    timeout = 60 + 3 * max(warm_floor(len(g)) for g in left.values())
    while len(warm) < len(left) and time.monotonic() - t0 < timeout:
        pending = _unloaded(url)
        for name in left:
            if name not in warm and not left[name] & pending:
                warm[name] = (time.monotonic() - t0, _by_client(sim_url))
        time.sleep(POLL)
    pending = _unloaded(url)
    for name in left:
        warm.setdefault(name, (time.monotonic() - t0, _by_client(sim_url)))
    return warm, pending


def _interval(url: str) -> float:
    """The longer effective polling interval (budget-stretched) of the relay's first
    account; the accounts here are alike, so it is each one's."""
    r = httpx.get(f"{url}/admin/status", params={"limit": 1}, headers={"X-API-Key": ADMIN},
                  timeout=30)
    r.raise_for_status()
    plan = r.json()["budget"]["effective"]
    return max(float(plan["metadataInterval"]), float(plan["stockInterval"]))


def _all_checked(sim_url: str, relay: _Relay, since: dict[str, object], limit: float
                 ) -> None:
    """Until every restaurant had its first metadata check (a first round waits behind
    Toast's rate, later ones keep its spacing: from here on polling is periodic)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        now = _by_client(sim_url)
        if all(ClientCalls.of(now, c).since(ClientCalls.of(since, c)).checks >= len(g)
               for _, c, g in relay.accounts):
            return
        time.sleep(1.0)


def _measure(procs: Procs, sim_url: str, relay: _Relay, base: _Relay,
             steady_s: float) -> RelayRun:
    base_kib = _base_rss(procs, base)
    start_calls = _by_client(sim_url)
    proc, url = start_relay(procs, relay.dir, relay.env)
    t0 = time.monotonic()
    warm, pending = _warm_up(url, sim_url, relay, t0)
    time.sleep(1.0)
    rss = proc_status(proc.pid)["VmRSS"]
    interval = _interval(url)
    _all_checked(sim_url, relay, start_calls, 3 * interval)
    span = steady_span(interval, steady_s)
    before, cpu0, s0 = _by_client(sim_url), cpu_seconds(proc.pid), time.monotonic()
    time.sleep(span)
    after, cpu1, s1 = _by_client(sim_url), cpu_seconds(proc.pid), time.monotonic()
    procs.stop_last()
    runs = []
    for name, client, guids in relay.accounts:
        first = ClientCalls.of(start_calls, client)
        warm_s, at_warm = warm[name]
        runs.append(AccountRun(
            name, len(guids), warm_s, len(set(guids) - pending),
            ClientCalls.of(at_warm, client).since(first),
            ClientCalls.of(after, client).since(ClientCalls.of(before, client)), s1 - s0,
            ClientCalls.of(after, client).since(first), s1 - t0))
    return RelayRun(tuple(runs), rss, base_kib, len(base.accounts),
                    (cpu1 - cpu0) / (s1 - s0) * 60, interval)


def measure(tmp: Path, cfg: Config) -> tuple[RelayRun, RelayRun]:
    """(the accounts on one relay, the same restaurants as one account)."""
    tmp.mkdir(parents=True, exist_ok=True)
    accounts = plan(cfg)
    every = [g for a in accounts for g in a.guids]
    clients = tmp / "clients.toml"
    clients.write_text(clients_file(accounts))
    with Procs() as procs:
        sim_url = start_sim(procs, tmp, clients=clients)
        httpx.post(f"{sim_url}/_sim/fleet", timeout=600, json={
            "guids": every, "items": ITEMS, "modifierGroups": MODIFIER_GROUPS,
        }).raise_for_status()
        iv = cfg.interval
        multi = _measure(procs, sim_url, _multi(tmp / "accounts", sim_url, accounts, None, iv),
                         _multi(tmp / "accounts-base", sim_url, accounts, 1, iv), cfg.steady_s)
        solo = _measure(procs, sim_url, _solo(tmp / "one", sim_url, every, iv),
                        _solo(tmp / "one-base", sim_url, every[:1], iv), cfg.steady_s)
    return multi, solo



def run(tmp: Path, cfg: Config) -> Section:
    from bench.accounts_report import report

    multi, solo = measure(tmp, cfg)
    return report(multi, solo, cfg)
