"""Prometheus collectors that read the relay's state when Prometheus scrapes: token expiry,
the restaurants' freshness, readiness, webhooks and Toast's budget.

Nothing here runs on the request path: each collector is handed callables (or a stats
object) and reads them only at scrape time, so no gauge needs keeping up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.readiness import Readiness
from app.serve.status import STATES, RestaurantFacts
from app.store.counters import ClientLimits, Usage
from app.webhooks.stats import OUTCOMES, WebhookStats


class StateCollector(Collector):
    """Token expiry and the restaurants' freshness, read when Prometheus scrapes.

    Aggregates are always there; per-restaurant series only while at most
    ``per_restaurant_max`` restaurants are tracked, so a relay for 1,000
    locations does not answer every scrape with thousands of series.
    """

    def __init__(
        self,
        token_expiry: Callable[[], float | None],
        restaurants: Callable[[], Iterable[RestaurantFacts]],
        now: Callable[[], float],
        per_restaurant_max: int = 100,
    ) -> None:
        self._token_expiry = token_expiry
        self._restaurants = restaurants
        self._now = now
        self._per_restaurant_max = per_restaurant_max

    def collect(self) -> Iterable[Metric]:
        expiry = GaugeMetricFamily(
            "relay_token_expiry_timestamp_seconds", "When the held Toast token expires "
            "(UNIX seconds; absent without a token)")
        expires = self._token_expiry()
        if expires:
            expiry.add_metric([], expires)
        yield expiry
        facts = list(self._restaurants())
        now = self._now()
        yield from _aggregates(facts, now)
        if len(facts) <= self._per_restaurant_max:
            yield from _per_restaurant(facts, now)


def _aggregates(facts: list[RestaurantFacts], now: float) -> Iterable[Metric]:
    by_state = GaugeMetricFamily("relay_restaurants", "Tracked restaurants by state (ok, "
                                 "stale, loading, unavailable)", labels=["state"])
    for state in STATES:
        by_state.add_metric([state], sum(1 for f in facts if f.state == state))
    yield by_state
    ages = [now - f.fetched_at for f in facts if f.fetched_at]
    yield GaugeMetricFamily("relay_menu_age_seconds_max", "Seconds since the oldest menu "
                            "held was fetched from Toast", value=max(0.0, *ages) if ages
                            else 0.0)
    checks = [now - f.checked_at for f in facts if f.checked_at]
    yield GaugeMetricFamily("relay_menu_check_age_seconds_max", "Seconds since Toast last "
                            "confirmed the least recently confirmed menu",
                            value=max(0.0, *checks) if checks else 0.0)
    yield GaugeMetricFamily("relay_menu_rows_total", "Rows in all flattened menus held",
                            value=sum(f.rows for f in facts))


def _per_restaurant(facts: list[RestaurantFacts], now: float) -> Iterable[Metric]:
    age = GaugeMetricFamily("relay_menu_age_seconds", "Seconds since the menu was "
                            "fetched from Toast", labels=["restaurant"])
    rows = GaugeMetricFamily("relay_menu_rows", "Rows in the flattened menu",
                             labels=["restaurant"])
    stale = GaugeMetricFamily("relay_menu_stale", "1 while the last good copy is served "
                              "because Toast fails", labels=["restaurant"])
    for f in facts:
        if f.fetched_at:
            age.add_metric([f.guid], max(0.0, now - f.fetched_at))
        rows.add_metric([f.guid], float(f.rows))
        stale.add_metric([f.guid], 1.0 if f.stale else 0.0)
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
    """Webhook deliveries by outcome and, per served restaurant, events and signature failures."""

    def __init__(self, stats: WebhookStats) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        outcomes = CounterMetricFamily(
            "relay_webhooks", "Toast webhook deliveries by outcome", labels=["result"])
        for result in OUTCOMES:
            outcomes.add_metric([result], float(self._stats.outcomes[result]))
        yield outcomes
        events = CounterMetricFamily(
            "relay_webhook_events", "Accepted Toast webhook events per restaurant",
            labels=["restaurant"])
        failures = CounterMetricFamily(
            "relay_webhook_signature_failures", "Webhook deliveries whose signature did not "
            "match, per served restaurant", labels=["restaurant"])
        last = GaugeMetricFamily(
            "relay_webhook_last_event_timestamp_seconds", "When the last accepted webhook "
            "event for the restaurant arrived (UNIX seconds)", labels=["restaurant"])
        for guid, entry in self._stats.restaurants.items():
            events.add_metric([guid], float(entry.events))
            failures.add_metric([guid], float(entry.signature_failures))
            if entry.last_event_at is not None:
                last.add_metric([guid], entry.last_event_at)
        yield events
        yield failures
        yield last


class BudgetCollector(Collector):
    """Toast's budget as this relay spends it, and the effective polling intervals.

    ``usage`` gives sends in the last second and window; ``limits`` the caps;
    ``intervals`` the effective intervals by kind (metadata, webhook_metadata, stock);
    ``waiting`` the queued requests by priority. Aggregates only: a handful of
    series however many restaurants there are.
    """

    def __init__(
        self,
        usage: Callable[[], Usage],
        limits: ClientLimits,
        waiting: Callable[[], dict[str, int]],
        intervals: Callable[[], dict[str, float]] = dict,
        stretch: Callable[[], float] = lambda: 1.0,
    ) -> None:
        self._usage = usage
        self._limits = limits
        self._waiting = waiting
        self._intervals = intervals
        self._stretch = stretch

    def collect(self) -> Iterable[Metric]:
        usage = self._usage()
        lim = self._limits
        used = GaugeMetricFamily("relay_toast_budget_used", "Calls sent to Toast in the last "
                                 "second / 15 minutes", labels=["window"])
        used.add_metric(["1s"], usage.last_second)
        used.add_metric(["15m"], usage.last_window)
        limit = GaugeMetricFamily("relay_toast_budget_limit", "Most calls the relay sends to "
                                  "Toast per second / 15 minutes (by: relay cap, toast, "
                                  "background)", labels=["window", "by"])
        limit.add_metric(["1s", "relay"], lim.per_second)
        limit.add_metric(["1s", "toast"], lim.toast_per_second)
        limit.add_metric(["15m", "relay"], lim.per_window)
        limit.add_metric(["15m", "background"], lim.background_per_window)
        limit.add_metric(["15m", "planned"], lim.planned_per_window)
        limit.add_metric(["15m", "toast"], lim.toast_per_window)
        waiting = GaugeMetricFamily("relay_toast_waiting", "Calls waiting for the upstream "
                                    "limiter, by priority", labels=["priority"])
        for priority, count in self._waiting().items():
            waiting.add_metric([priority], count)
        intervals = GaugeMetricFamily("relay_effective_interval_seconds", "Polling intervals "
                                      "after stretching to fit Toast's budget", labels=["kind"])
        for kind, seconds in self._intervals().items():
            intervals.add_metric([kind], seconds)
        stretch = GaugeMetricFamily("relay_budget_stretch", "Factor the configured intervals "
                                    "are stretched by to fit Toast's 15-minute budget (1 = as "
                                    "configured)")
        stretch.add_metric([], self._stretch())
        yield used
        yield limit
        yield waiting
        yield intervals
        yield stretch
