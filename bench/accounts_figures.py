"""Part j's arithmetic: Toast's floor for a warm-up, calls scaled to Toast's 15-minute
window, resident memory per restaurant, and what the simulator counted per client.

Pure (no processes, no clock), so ``tests/bench`` pins it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.many import CALLS_PER_RESTAURANT, TOAST_PER_SECOND

TOAST_WINDOW = 900.0
"""Toast's budget window: 10,000 calls per client per 15 minutes (docs/toast-api.md, the
limits)."""
TOAST_WINDOW_LIMIT = 10_000
LOADED = frozenset({"ok", "stale"})
"""States of a restaurant the relay has a copy of (``app/serve/status.py``)."""


def warm_floor(restaurants: int) -> float:
    """Seconds Toast's per-client rate allows a first load of ``restaurants`` at best, as
    part g derives it: each costs ``CALLS_PER_RESTAURANT`` calls (menus, restaurant,
    stock), at ``TOAST_PER_SECOND`` per client. Clients do not share it, so each account's
    floor is its own restaurants' alone."""
    return restaurants * CALLS_PER_RESTAURANT / TOAST_PER_SECOND


def per_window(calls: int, seconds: float, window: float = TOAST_WINDOW) -> float:
    """``calls`` made in ``seconds``, at the same pace over a whole budget window."""
    return calls / seconds * window if seconds > 0 else float("nan")


def first_window(so_far: int, elapsed: float, steady_calls: int, steady_seconds: float,
                 window: float = TOAST_WINDOW) -> float:
    """Calls in the budget window that starts with the relay: the ``so_far`` made in its
    first ``elapsed`` seconds (the warm-up's included), plus the rest of the window at the
    steady pace measured after (``steady_calls`` in ``steady_seconds``). The warm-up is the
    busiest stretch, so no later window holds more."""
    rest = max(0.0, window - elapsed)
    if rest and steady_seconds <= 0:
        return float("nan")
    return so_far + (steady_calls / steady_seconds * rest if rest else 0.0)


def steady_span(interval: float, at_least: float) -> float:
    """Seconds to count steady calls over: whole effective intervals, at least
    ``at_least``. A restaurant is polled once per interval after its first check, but the
    restaurants' checks bunch (the warm-up ends for many at once, and they queue behind
    Toast's rate), so only a whole number of intervals counts every one equally."""
    return interval * max(1, math.ceil(at_least / interval - 1e-9))


def per_restaurant_mib(rss_kib: int, base_kib: int, restaurants: int, base: int) -> float:
    """Resident MiB each restaurant adds: (RSS with ``restaurants`` − RSS with ``base``) /
    (``restaurants`` − ``base``), the process's own footprint left out (part g's figure)."""
    if restaurants <= base:
        return float("nan")
    return (rss_kib - base_kib) / 1024 / (restaurants - base)


def unloaded(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """The restaurants of ``/admin/status`` entries the relay holds no copy of yet."""
    return {str(e["restaurant"]) for e in entries if e.get("state") not in LOADED}


@dataclass(frozen=True)
class ClientCalls:
    """What the simulator counted for one API client (``/_sim/calls`` ``by_client``)."""

    total: int = 0
    refused: int = 0
    """Answered 429 (Toast's limits or budget)."""
    logins: int = 0
    """Login calls (a client already holding a live token is handed the same one, so the
    simulator's tokens issued would miss them)."""
    checks: int = 0
    """Metadata calls: one per restaurant per effective interval once warm."""

    @classmethod
    def of(cls, calls: Mapping[str, Any], client: str) -> ClientCalls:
        row = calls.get("by_client", {}).get(client)
        if row is None:
            return cls()
        refused = sum(int(codes.get("429", 0)) for codes in row.get("statuses", {}).values())
        calls = row.get("calls", {})
        return cls(int(row.get("total", 0)), refused, int(calls.get("login", 0)),
                   int(calls.get("metadata", 0)))

    def since(self, before: ClientCalls) -> ClientCalls:
        return ClientCalls(self.total - before.total, self.refused - before.refused,
                           self.logins - before.logins, self.checks - before.checks)


@dataclass(frozen=True)
class AccountRun:
    """One account of a measured relay: its warm-up and its calls to Toast."""

    name: str
    restaurants: int
    warm_s: float
    """From the relay answering until all its restaurants had a copy (or the timeout)."""
    loaded: int
    warm: ClientCalls
    """Calls from the relay's start until its last restaurant loaded."""
    steady: ClientCalls
    steady_s: float
    """Calls in the measured period after every account's warm-up, and its length."""
    so_far: ClientCalls
    elapsed_s: float
    """Calls from the relay's start to the end of that period, and the seconds it took."""

    @property
    def floor_s(self) -> float:
        return warm_floor(self.restaurants)

    @property
    def steady_per_window(self) -> float:
        return per_window(self.steady.total, self.steady_s)

    @property
    def first_window(self) -> float:
        return first_window(self.so_far.total, self.elapsed_s, self.steady.total,
                            self.steady_s)

    @property
    def within_budget(self) -> bool:
        return self.first_window <= TOAST_WINDOW_LIMIT and self.so_far.refused == 0


@dataclass(frozen=True)
class RelayRun:
    """One relay process: its accounts, its memory after the warm-up, its CPU at rest."""

    accounts: tuple[AccountRun, ...]
    rss_kib: int
    base_kib: int
    base_restaurants: int
    """The same relay's RSS with one restaurant per account: the fixed cost, left out."""
    cpu_s_per_min: float
    interval: float
    """The effective polling interval (seconds) while the steady calls were counted."""

    @property
    def restaurants(self) -> int:
        return sum(a.restaurants for a in self.accounts)

    @property
    def per_restaurant_mib(self) -> float:
        return per_restaurant_mib(self.rss_kib, self.base_kib, self.restaurants,
                                  self.base_restaurants)
