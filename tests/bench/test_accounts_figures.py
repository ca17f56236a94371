"""Benchmark part j's arithmetic: Toast's warm-up floor, calls per 15-minute window, memory
per restaurant, and the simulator's per-client counts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from app.config import load_accounts, load_settings
from app.sim.clients import load_clients
from bench.accounts import Config, accounts_file, clients_file, plan
from bench.accounts_figures import (
    AccountRun,
    ClientCalls,
    first_window,
    per_restaurant_mib,
    per_window,
    steady_span,
    unloaded,
    warm_floor,
)


def test_warm_floor_is_three_calls_per_restaurant_at_twenty_per_second() -> None:
    """200 restaurants cost 600 calls, 30 s at a client's 20/s, as part g derives it."""
    assert warm_floor(200) == 30.0
    assert warm_floor(600) == 90.0


def test_per_window_scales_calls_to_fifteen_minutes() -> None:
    """400 calls in 120 s is 3,000 per 900 s; no time measured gives NaN, not a crash."""
    assert per_window(400, 120.0) == 3000.0
    assert math.isnan(per_window(5, 0.0))


def test_first_window_adds_the_rest_of_the_window_at_the_steady_pace() -> None:
    """Calls so far, plus the steady rate over what is left of the 900 s window."""
    assert first_window(700, 300.0, 400, 120.0) == 700 + 400 / 120 * 600
    assert first_window(9000, 950.0, 0, 0.0) == 9000  # the window is already over
    assert math.isnan(first_window(700, 300.0, 10, 0.0))


def test_steady_span_is_whole_intervals_of_at_least_the_minimum() -> None:
    """Steady calls are counted over whole polling intervals, never shorter than asked."""
    assert steady_span(60.0, 120.0) == 120.0
    assert steady_span(144.0, 120.0) == 144.0
    assert steady_span(50.0, 120.0) == 150.0


def test_per_restaurant_mib_leaves_the_fixed_footprint_out() -> None:
    """(RSS at N − RSS at the base) / (N − base), in MiB; no restaurants added is NaN."""
    assert per_restaurant_mib(100 * 1024 + 597 * 512, 100 * 1024, 600, 3) == 0.5
    assert math.isnan(per_restaurant_mib(1024, 1024, 3, 3))


def test_unloaded_counts_only_restaurants_without_a_copy() -> None:
    """Loading and unavailable have no copy; stale and a stock problem still have one."""
    entries = [{"restaurant": "a", "state": "loading"}, {"restaurant": "b", "state": "stale"},
               {"restaurant": "c", "state": "unavailable"}, {"restaurant": "d", "state": "ok"}]
    assert unloaded(entries) == {"a", "c"}


def test_client_calls_read_by_client_and_subtract() -> None:
    """Totals, 429s over every endpoint, login and metadata calls of a client; unseen: 0."""
    calls = {"by_client": {"c1": {"total": 50, "calls": {"login": 2, "menus": 41, "metadata": 7},
                                  "statuses": {"menus": {"200": 40, "429": 3},
                                               "login": {"429": 1}}}}}
    now = ClientCalls.of(calls, "c1")
    assert now == ClientCalls(50, 4, 2, 7)
    assert now.since(ClientCalls(20, 1, 1, 2)) == ClientCalls(30, 3, 1, 5)
    assert ClientCalls.of(calls, "c2") == ClientCalls()


@pytest.mark.parametrize(("refused", "steady", "within"), [(0, 400, True), (1, 400, False),
                                                           (0, 5000, False)])
def test_an_account_is_within_budget_when_its_first_window_fits_and_none_was_refused(
        refused: int, steady: int, within: bool) -> None:
    """Within Toast's budget: at most 10,000 in the first window and no 429 at all."""
    run = AccountRun("a", 200, 33.0, 200, ClientCalls(601, 0, 1), ClientCalls(steady),
                     120.0, ClientCalls(1000, refused, 1), 300.0)
    assert run.floor_s == 30.0
    assert run.within_budget is within


def test_each_account_gets_its_own_client_restaurants_and_key(tmp_path: Path) -> None:
    """Both files read as the simulator and the relay read them: each account's client holds
    its own restaurants (one more client holds all); each account logs in as its client."""
    accounts = plan(Config(3, 4))
    sim = tmp_path / "clients.toml"
    sim.write_text(clients_file(accounts))
    creds = load_clients(sim).credentials()
    assert [len(creds[a.name].restaurants) for a in accounts] == [4, 4, 4]
    assert len(set().union(*(creds[a.name].restaurants for a in accounts))) == 12
    assert len(creds) == 4 and max(len(c.restaurants) for c in creds.values()) == 12
    relay = tmp_path / "accounts.toml"
    relay.write_text(accounts_file("http://127.0.0.1:1", accounts, 1))
    loaded = load_accounts(load_settings(env={"RELAY_ACCOUNTS_FILE": str(relay)}))
    assert {n: s.toast_client_id for n, s in loaded.items()} == {a.name: a.name
                                                                 for a in accounts}
    assert [len(s.relay_restaurants) for s in loaded.values()] == [1, 1, 1]
