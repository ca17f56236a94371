"""Part j's report: per account, the warm-up against Toast's floor and the calls against
its client's budget; resident memory per restaurant against the one-account run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.accounts_figures import TOAST_WINDOW_LIMIT, AccountRun, RelayRun
from bench.many import CALLS_PER_RESTAURANT, ITEMS, MODIFIER_GROUPS, TOAST_PER_SECOND
from bench.report import Section, Target, fmt, fmt_ratio, md_table, ratio

if TYPE_CHECKING:
    from bench.accounts import Config


WARM_GOAL = 1.5
"""Each account's warm-up within this many times its own floor: accounts warm side by
side, each at its client's rate, not one after another."""
MEMORY_GOAL = 1.10
"""Resident memory per restaurant with accounts, at most this times one account's."""


def _account_row(a: AccountRun) -> list[str]:
    warm = fmt(a.warm_s, 1) if a.loaded >= a.restaurants else (
        f"not done: {a.loaded:,}/{a.restaurants:,} in {fmt(a.warm_s, 0)}")
    return [a.name, f"{a.restaurants:,}", warm, fmt(a.floor_s, 1),
            fmt_ratio(ratio(a.warm_s, a.floor_s)), f"{a.warm.total:,}", str(a.so_far.logins),
            f"{a.steady.total:,} in {fmt(a.steady_s, 0)} s",
            fmt(a.steady_per_window, 0), fmt(a.first_window, 0),
            f"{ratio(a.first_window, TOAST_WINDOW_LIMIT):.0%}", str(a.so_far.refused)]


def report(multi: RelayRun, solo: RelayRun, cfg: Config) -> Section:
    section = Section("j. Accounts: several Toast clients on one relay")
    one = solo.accounts[0]
    section.add(
        f"`toast-relay sim --clients FILE` with {cfg.accounts} API clients of "
        f"{cfg.per_account} restaurants each and one client reading all "
        f"{one.restaurants:,}; every restaurant serves part g's menu ({ITEMS} items, "
        f"{MODIFIER_GROUPS} shared modifier groups) through `/_sim/fleet`. The simulator "
        f"enforces Toast's limits per client (20/s, 10,000 per 15 minutes). First "
        f"`toast-relay serve` with `RELAY_ACCOUNTS_FILE` naming {cfg.accounts} accounts (each "
        f"its client, its restaurants, a screen key), then with the same restaurants as one "
        f"account (`TOAST_*`, the client reading all); {fmt(cfg.interval, 0)} s metadata and "
        f"stock intervals (the relay stretches them to fit a client's budget), a fresh "
        f"`RELAY_DATA_DIR` each. Warm-up: from the relay answering until each account's "
        f"restaurants all have a copy; floor: {CALLS_PER_RESTAURANT} calls each at its "
        f"client's {TOAST_PER_SECOND}/s. Calls: what the simulator counted per client "
        f"(`/_sim/calls` `by_client`); steady: from when every restaurant had its first "
        f"metadata check (polling is periodic from then on), whole effective intervals, "
        f"at least {fmt(cfg.steady_s, 0)} s, scaled to 15 minutes; first 15 minutes: the "
        f"calls from the relay's start (warm-up included) plus the rest of the window at "
        f"the steady pace, the busiest window there is.")
    section.add(md_table(
        ["account", "restaurants", "warm-up s", "floor s", "× floor", "calls in warm-up",
         "logins", "steady calls", "steady per 15 min", "first 15 min", "of Toast's 10,000",
         "429s"],
        [*(_account_row(a) for a in multi.accounts),
         [f"one account (the {one.restaurants:,})", *_account_row(one)[1:]]]))
    kib = 1024.0
    mem_ratio = ratio(multi.per_restaurant_mib, solo.per_restaurant_mib)
    extra = (multi.base_kib - solo.base_kib) / kib / max(1, len(multi.accounts) - 1)
    section.add(
        f"Memory: RSS after the warm-up; MiB/restaurant = (RSS − RSS of the same set-up with "
        f"one restaurant per account) / (restaurants − accounts), so each account's fixed "
        f"cost (its login, limiter, HTTP connections: {fmt(extra, 1)} MiB per extra account "
        f"here) is left out. CPU: the relay's user+system seconds per minute over the steady "
        f"period, at the effective interval shown (one budget stretches it for all the "
        f"restaurants; accounts each have their own).")
    section.add(md_table(
        ["relay", "restaurants", "RSS MiB", "RSS, one restaurant per account MiB",
         "MiB/restaurant", "ratio to one account", "effective interval s", "CPU s/min"],
        [[f"{len(r.accounts)} account{'s' if len(r.accounts) > 1 else ''}",
          f"{r.restaurants:,}", fmt(r.rss_kib / kib, 0), fmt(r.base_kib / kib, 0),
          fmt(r.per_restaurant_mib, 3), fmt_ratio(ratio(r.per_restaurant_mib,
                                                        solo.per_restaurant_mib)),
          fmt(r.interval, 0), fmt(r.cpu_s_per_min, 2)] for r in (multi, solo)]))
    for a in multi.accounts:
        section.targets.append(Target(
            f"j. Toast calls per 15 minutes, {a.name} ({a.restaurants:,} restaurants)",
            f"{fmt(a.first_window, 0)} ({a.so_far.refused} refused)",
            f"≤ {TOAST_WINDOW_LIMIT:,}, none refused", a.within_budget,
            f"steady {fmt(a.steady_per_window, 0)}; first window, warm-up included"))
        section.targets.append(Target(
            f"j. warm-up against Toast's floor, {a.name}",
            f"{fmt(a.warm_s, 1)} s ({fmt_ratio(ratio(a.warm_s, a.floor_s))} its "
            f"{fmt(a.floor_s, 0)} s)", f"≤ {WARM_GOAL:g}× the floor",
            a.loaded >= a.restaurants and a.warm_s <= WARM_GOAL * a.floor_s,
            f"one client with all {one.restaurants:,}: {fmt(one.warm_s, 1)} s "
            f"(floor {fmt(one.floor_s, 0)} s)"))
    section.targets.append(Target(
        f"j. resident memory per restaurant, {len(multi.accounts)} accounts vs one",
        f"{fmt(multi.per_restaurant_mib, 3)} vs {fmt(solo.per_restaurant_mib, 3)} MiB "
        f"({fmt_ratio(mem_ratio)})", f"≤ {MEMORY_GOAL:.2f}× (unchanged)",
        mem_ratio <= MEMORY_GOAL))
    return section

