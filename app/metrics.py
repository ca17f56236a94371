"""Prometheus metrics, one registry per app (so tests and the demo can run several).

Counters on the request path are pre-bound label children looked up in a dict,
so counting costs a dictionary hit and an increment. Per-restaurant gauges are
read from the menu service at scrape time instead of being kept up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.webhooks.stats import OUTCOMES, WebhookStats

CACHE_RESULTS = ("hit", "miss", "stale", "revalidated")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "relay_requests", "HTTP requests answered, by route template and status",
            ["route", "status"], registry=self.registry)
        self.cache = Counter(
            "relay_cache_results", "Menu answers by cache result (revalidated = 304)",
            ["result"], registry=self.registry)
        self.toast_calls = Counter(
            "relay_toast_requests", "Calls to Toast by endpoint and outcome",
            ["endpoint", "status"], registry=self.registry)
        self.toast_latency = Histogram(
            "relay_toast_request_seconds", "Toast call latency by endpoint", ["endpoint"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=self.registry)
        self.logins = Counter(
            "relay_token_refreshes", "Toast logins by result", ["result"],
            registry=self.registry)
        self._request_children: dict[tuple[str, int], Counter] = {}
        self._cache_children = {r: self.cache.labels(r) for r in CACHE_RESULTS}

    def count_request(self, route: str, status: int) -> None:
        child = self._request_children.get((route, status))
        if child is None:
            child = self._request_children[(route, status)] = self.requests.labels(
                route, str(status))
        child.inc()

    def count_cache(self, result: str) -> None:
        self._cache_children[result].inc()

    def observe_toast(self, endpoint: str, status: str, seconds: float) -> None:
        self.toast_calls.labels(endpoint, status).inc()
        self.toast_latency.labels(endpoint).observe(seconds)

    def count_login(self, result: str) -> None:
        self.logins.labels(result).inc()

    def watch(self, collector: Collector) -> None:
        self.registry.register(collector)


class StateCollector(Collector):
    """Token expiry and per-restaurant menu age and rows, read when Prometheus scrapes."""

    def __init__(
        self,
        token_expiry: Callable[[], float | None],
        restaurants: Callable[[], Iterable[dict[str, object]]],
        now: Callable[[], float],
    ) -> None:
        self._token_expiry = token_expiry
        self._restaurants = restaurants
        self._now = now

    def collect(self) -> Iterable[Metric]:
        expiry = GaugeMetricFamily(
            "relay_token_expiry_timestamp_seconds", "When the held Toast token expires "
            "(UNIX seconds; absent without a token)")
        expires = self._token_expiry()
        if expires:
            expiry.add_metric([], expires)
        yield expiry
        age = GaugeMetricFamily("relay_menu_age_seconds", "Seconds since the menu was "
                                "fetched from Toast", labels=["restaurant"])
        rows = GaugeMetricFamily("relay_menu_rows", "Rows in the flattened menu",
                                 labels=["restaurant"])
        stale = GaugeMetricFamily("relay_menu_stale", "1 while the last good copy is served "
                                  "because Toast fails", labels=["restaurant"])
        now = self._now()
        for r in self._restaurants():
            guid = str(r["restaurant"])
            fetched = r.get("fetchedAt")
            if isinstance(fetched, float):
                age.add_metric([guid], max(0.0, now - fetched))
            rows.add_metric([guid], float(r.get("rows") or 0))  # type: ignore[arg-type]
            stale.add_metric([guid], 1.0 if r.get("stale") else 0.0)
        yield age
        yield rows
        yield stale


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

