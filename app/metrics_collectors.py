"""Prometheus collectors that read the relay's state when Prometheus scrapes: token expiry,
the restaurants' freshness, readiness, webhooks and Toast's budget.

Nothing here runs on the request path: each collector is handed callables and reads
them only at scrape time, so no gauge needs keeping up to date. What belongs to one
Toast account (its token, restaurants, budget, webhooks) carries an ``account`` label,
and the accounts are asked for at each scrape: a reloaded accounts file adds or drops
series without re-registering anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.readiness import Readiness
from app.serve.status import STATES, RestaurantFacts
from app.store.counters import ClientLimits, Usage
from app.webhooks.stats import OUTCOMES, WebhookStats


@dataclass(frozen=True, slots=True)
class AccountGauges:
    """What the collectors read of one account, each read only when Prometheus scrapes.

    ``usage``: sends in the last second and window; ``limits``: the caps; ``waiting``:
    queued calls by priority; ``intervals``: the effective polling intervals by kind
    (metadata, webhook_metadata, stock); ``webhooks``: None while webhooks are off."""

    name: str
    token_expiry: Callable[[], float | None]
    restaurants: Callable[[], Iterable[RestaurantFacts]]
    usage: Callable[[], Usage]
    limits: ClientLimits
    waiting: Callable[[], dict[str, int]]
    intervals: Callable[[], dict[str, float]] = dict
    stretch: Callable[[], float] = lambda: 1.0
    webhooks: WebhookStats | None = None


Accounts = Callable[[], Iterable[AccountGauges]]
"""The accounts as they are at scrape time."""


class StateCollector(Collector):
    """Each account's token expiry and its restaurants' freshness, read when Prometheus
    scrapes.

    Aggregates are always there; per-restaurant series only while at most
    ``per_restaurant_max`` restaurants are tracked by all accounts together, so a relay
    for 1,000 locations does not answer every scrape with thousands of series.
    """

    def __init__(self, accounts: Accounts, now: Callable[[], float],
                 per_restaurant_max: int = 100) -> None:
        self._accounts = accounts
        self._now = now
        self._per_restaurant_max = per_restaurant_max

    def collect(self) -> Iterable[Metric]:
        expiry = GaugeMetricFamily(
            "relay_token_expiry_timestamp_seconds", "When the account's held Toast token "
            "expires (UNIX seconds; absent without a token)", labels=["account"])
        held: list[tuple[str, list[RestaurantFacts]]] = []
        for account in self._accounts():
            expires = account.token_expiry()
            if expires:
                expiry.add_metric([account.name], expires)
            held.append((account.name, list(account.restaurants())))
        yield expiry
        now = self._now()
        yield from _aggregates(held, now)
        if sum(len(facts) for _, facts in held) <= self._per_restaurant_max:
            yield from _per_restaurant(held, now)


def _aggregates(held: list[tuple[str, list[RestaurantFacts]]], now: float) -> Iterable[Metric]:
    by_state = GaugeMetricFamily("relay_restaurants", "Tracked restaurants by account and "
                                 "state (ok, stale, loading, unavailable)",
                                 labels=["account", "state"])
    age = GaugeMetricFamily("relay_menu_age_seconds_max", "Seconds since the account's "
                            "oldest menu held was fetched from Toast", labels=["account"])
    check = GaugeMetricFamily("relay_menu_check_age_seconds_max", "Seconds since Toast last "
                              "confirmed the account's least recently confirmed menu",
                              labels=["account"])
    rows = GaugeMetricFamily("relay_menu_rows_total", "Rows in all flattened menus held, "
                             "by account", labels=["account"])
    for name, facts in held:
        for state in STATES:
            by_state.add_metric([name, state], sum(1 for f in facts if f.state == state))
        ages = [now - f.fetched_at for f in facts if f.fetched_at]
        age.add_metric([name], max(0.0, *ages) if ages else 0.0)
        checks = [now - f.checked_at for f in facts if f.checked_at]
        check.add_metric([name], max(0.0, *checks) if checks else 0.0)
        rows.add_metric([name], sum(f.rows for f in facts))
    yield by_state
    yield age
    yield check
    yield rows


def _per_restaurant(held: list[tuple[str, list[RestaurantFacts]]],
                    now: float) -> Iterable[Metric]:
    labels = ["account", "restaurant"]
    age = GaugeMetricFamily("relay_menu_age_seconds", "Seconds since the menu was "
                            "fetched from Toast", labels=labels)
    rows = GaugeMetricFamily("relay_menu_rows", "Rows in the flattened menu", labels=labels)
    stale = GaugeMetricFamily("relay_menu_stale", "1 while the last good copy is served "
                              "because Toast fails", labels=labels)
    for name, facts in held:
        for f in facts:
            if f.fetched_at:
                age.add_metric([name, f.guid], max(0.0, now - f.fetched_at))
            rows.add_metric([name, f.guid], float(f.rows))
            stale.add_metric([name, f.guid], 1.0 if f.stale else 0.0)
    yield age
    yield rows
    yield stale


class ReadinessCollector(Collector):
    """What /readyz answers, whether Toast's login is failing and Redis is away, and the
    open event streams, read at scrape time."""

    def __init__(self, check: Callable[[], Readiness],
                 streams: Callable[[], tuple[int, int]] = lambda: (0, 0)) -> None:
        self._check = check
        self._streams = streams

    def collect(self) -> Iterable[Metric]:
        now = self._check()
        yield GaugeMetricFamily("relay_ready", "1 while /readyz answers 200: a Toast token "
                                "is held or obtainable, or a servable copy of every "
                                "restaurant served is held", value=1.0 if now.ready else 0.0)
        yield GaugeMetricFamily("relay_toast_login_failing", "1 while the last Toast login "
                                "failed (screens may still be served from saved copies; "
                                "the reason is in /readyz and /admin/status)",
                                value=1.0 if now.login_error else 0.0)
        yield GaugeMetricFamily("relay_redis_degraded", "1 while REDIS_URL is set but Redis "
                                "is unreachable: this replica serves its own copies with its "
                                "own, stricter Toast budget", value=1.0 if now.shared_store_down
                                else 0.0)
        open_now, most = self._streams()
        yield GaugeMetricFamily("relay_events_connections", "Open /events streams (boards "
                                "listening for changes) on this process", value=open_now)
        yield GaugeMetricFamily("relay_events_connections_max", "Most /events streams this "
                                "process holds (RELAY_EVENTS_MAX_CONNECTIONS)", value=most)


class WebhookCollector(Collector):
    """Webhook deliveries by account and outcome and, per served restaurant, events and
    signature failures (nothing while no account takes webhooks)."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    def collect(self) -> Iterable[Metric]:
        taking = [(a.name, a.webhooks) for a in self._accounts() if a.webhooks is not None]
        if not taking:
            return
        labels = ["account", "restaurant"]
        outcomes = CounterMetricFamily(
            "relay_webhooks", "Toast webhook deliveries by account and outcome",
            labels=["account", "result"])
        events = CounterMetricFamily(
            "relay_webhook_events", "Accepted Toast webhook events per restaurant",
            labels=labels)
        failures = CounterMetricFamily(
            "relay_webhook_signature_failures", "Webhook deliveries whose signature did not "
            "match, per served restaurant", labels=labels)
        last = GaugeMetricFamily(
            "relay_webhook_last_event_timestamp_seconds", "When the last accepted webhook "
            "event for the restaurant arrived (UNIX seconds)", labels=labels)
        for name, stats in taking:
            for result in OUTCOMES:
                outcomes.add_metric([name, result], float(stats.outcomes[result]))
            for guid, entry in stats.restaurants.items():
                events.add_metric([name, guid], float(entry.events))
                failures.add_metric([name, guid], float(entry.signature_failures))
                if entry.last_event_at is not None:
                    last.add_metric([name, guid], entry.last_event_at)
        yield outcomes
        yield events
        yield failures
        yield last


class BudgetCollector(Collector):
    """Toast's budget as each account spends it, and its effective polling intervals.

    Aggregates only: a handful of series per account however many restaurants there
    are (Toast's budgets are per client, so per account; docs/toast-api.md, rate limits).
    """

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    def collect(self) -> Iterable[Metric]:
        used = GaugeMetricFamily("relay_toast_budget_used", "Calls sent to Toast in the last "
                                 "second / 15 minutes", labels=["account", "window"])
        limit = GaugeMetricFamily("relay_toast_budget_limit", "Most calls the relay sends to "
                                  "Toast per second / 15 minutes (by: relay cap, toast, "
                                  "background)", labels=["account", "window", "by"])
        waiting = GaugeMetricFamily("relay_toast_waiting", "Calls waiting for the upstream "
                                    "limiter, by priority", labels=["account", "priority"])
        intervals = GaugeMetricFamily("relay_effective_interval_seconds", "Polling intervals "
                                      "after stretching to fit Toast's budget",
                                      labels=["account", "kind"])
        stretch = GaugeMetricFamily("relay_budget_stretch", "Factor the configured intervals "
                                    "are stretched by to fit Toast's 15-minute budget (1 = as "
                                    "configured)", labels=["account"])
        for account in self._accounts():
            name, usage, lim = account.name, account.usage(), account.limits
            used.add_metric([name, "1s"], usage.last_second)
            used.add_metric([name, "15m"], usage.last_window)
            for window, by, value in (
                    ("1s", "relay", lim.per_second), ("1s", "toast", lim.toast_per_second),
                    ("15m", "relay", lim.per_window),
                    ("15m", "background", lim.background_per_window),
                    ("15m", "planned", lim.planned_per_window),
                    ("15m", "toast", lim.toast_per_window)):
                limit.add_metric([name, window, by], value)
            for priority, count in account.waiting().items():
                waiting.add_metric([name, priority], count)
            for kind, seconds in account.intervals().items():
                intervals.add_metric([name, kind], seconds)
            stretch.add_metric([name], account.stretch())
        yield used
        yield limit
        yield waiting
        yield intervals
        yield stretch
