"""Prometheus metrics, one registry per app (so tests and the demo can run several).

Counters on the request path are plain integers in a dict (``RequestCounts``),
exported when Prometheus scrapes: counting a request costs a dictionary
increment, not a labelled counter's lock. Restaurant gauges are read from the
menu service at scrape time instead of being kept up to date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.readiness import Readiness
from app.serve.status import STATES, RestaurantFacts
from app.store.counters import ClientLimits, Usage
from app.webhooks.stats import OUTCOMES, WebhookStats

CACHE_RESULTS = ("hit", "miss", "stale", "revalidated")
LAG_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = RequestCounts()
        self.registry.register(self.requests)
        self.toast_calls = Counter(
            "relay_toast_requests", "Calls to Toast by endpoint and outcome",
            ["endpoint", "status"], registry=self.registry)
        self.toast_latency = Histogram(
            "relay_toast_request_seconds", "Toast call latency by endpoint", ["endpoint"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=self.registry)
        self.logins = Counter(
            "relay_token_refreshes", "Toast logins by result", ["result"],
            registry=self.registry)
        self.loop_lag = Histogram(
            "relay_event_loop_lag_seconds", "How late a 50 ms timer on the event loop woke: "
            "how long requests waited behind other work", buckets=LAG_BUCKETS,
            registry=self.registry)
        self.loop_lag_max = Gauge(
            "relay_event_loop_lag_max_seconds", "The longest event-loop stall since start",
            registry=self.registry)
        self._lag_max = 0.0
        self.loop_held = Histogram(
            "relay_event_loop_held_seconds", "The part of each event-loop lag the relay "
            "itself caused: the lag less the time its loop thread waited for a CPU while "
            "the host ran other processes (Linux; elsewhere equal to the lag; counted "
            "high, never low)",
            buckets=LAG_BUCKETS, registry=self.registry)
        self.gc_pauses = Histogram(
            "relay_gc_pause_seconds", "Pauses of the cyclic garbage collector, by generation",
            ["generation"], buckets=LAG_BUCKETS, registry=self.registry)
        self._gc_children = {g: self.gc_pauses.labels(str(g)) for g in (0, 1, 2)}

    def observe_toast(self, endpoint: str, status: str, seconds: float) -> None:
        self.toast_calls.labels(endpoint, status).inc()
        self.toast_latency.labels(endpoint).observe(seconds)

    def observe_loop_lag(self, seconds: float, held: float) -> None:
        self.loop_lag.observe(seconds)
        self.loop_held.observe(held)
        if seconds > self._lag_max:
            self._lag_max = seconds
            self.loop_lag_max.set(seconds)

    def observe_gc(self, generation: int, seconds: float) -> None:
        child = self._gc_children.get(generation)
        if child is not None:
            child.observe(seconds)

    def count_login(self, result: str) -> None:
        self.logins.labels(result).inc()

    def watch(self, collector: Collector) -> None:
        self.registry.register(collector)


class RequestCounts(Collector):
    """Requests answered by (route template, status) and menu answers by cache result.

    The request path only increments integers (the event loop is one thread, so no
    lock is needed); the counters are built when Prometheus scrapes.
    """

    def __init__(self) -> None:
        self.by_route: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.by_cache: dict[str, int] = dict.fromkeys(CACHE_RESULTS, 0)

    def count(self, route: str, status: int, cache: str | None) -> None:
        """One answered request; ``cache`` is the route's HIT/MISS/STALE, if it has one."""
        self.by_route[route, status] += 1
        if cache is not None:
            self.by_cache["revalidated" if status == 304 else cache.lower()] += 1

    def collect(self) -> Iterable[Metric]:
        requests = CounterMetricFamily(
            "relay_requests", "HTTP requests answered, by route template and status",
            labels=["route", "status"])
        for (route, status), n in sorted(self.by_route.items()):
            requests.add_metric([route, str(status)], n)
        yield requests
        cache = CounterMetricFamily(
            "relay_cache_results", "Menu answers by cache result (revalidated = 304)",
            labels=["result"])
        for result, n in self.by_cache.items():
            cache.add_metric([result], n)
        yield cache


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
