"""Prometheus metrics, one registry per app (so tests and the demo can run several).

Counters on the request path are plain integers in a dict (``RequestCounts``),
exported when Prometheus scrapes: counting a request costs a dictionary
increment, not a labelled counter's lock. Restaurant gauges are read from the
menu service at scrape time instead of being kept up to date
(``app.metrics_collectors``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

CACHE_RESULTS = ("hit", "miss", "stale", "revalidated")
LAG_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = RequestCounts()
        self.registry.register(self.requests)
        self.toast_calls = Counter(
            "relay_toast_requests", "Calls to Toast by account, endpoint and outcome",
            ["account", "endpoint", "status"], registry=self.registry)
        self.toast_latency = Histogram(
            "relay_toast_request_seconds", "Toast call latency by account and endpoint",
            ["account", "endpoint"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry)
        self.logins = Counter(
            "relay_token_refreshes", "Toast logins by account and result", ["account", "result"],
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

    def toast_observer(self, account: str) -> Callable[[str, str, float], None]:
        """What the account's Toast client reports each call to (endpoint, outcome,
        seconds): the account is bound here, once, rather than looked up per call."""
        calls, latency = self.toast_calls, self.toast_latency

        def observe(endpoint: str, status: str, seconds: float) -> None:
            calls.labels(account, endpoint, status).inc()
            latency.labels(account, endpoint).observe(seconds)
        return observe

    def login_counter(self, account: str) -> Callable[[str], None]:
        """What the account's token manager reports each login's result to."""
        logins = self.logins

        def count(result: str) -> None:
            logins.labels(account, result).inc()
        return count

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
