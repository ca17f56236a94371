"""Request counters: plain integers on the request path, Prometheus counters at scrape."""

from __future__ import annotations

from prometheus_client import generate_latest

from app.metrics import Metrics


def test_requests_and_cache_results_are_counted_and_exported() -> None:
    """Each request counts once by route and status; a 304 counts as a revalidated answer."""
    m = Metrics()
    m.requests.count("/menu/{restaurant}", 200, "HIT")
    m.requests.count("/menu/{restaurant}", 200, "MISS")
    m.requests.count("/menu/{restaurant}", 304, "HIT")
    m.requests.count("/healthz", 200, None)
    text = generate_latest(m.registry).decode()
    assert 'relay_requests_total{route="/menu/{restaurant}",status="200"} 2.0' in text
    assert 'relay_requests_total{route="/menu/{restaurant}",status="304"} 1.0' in text
    assert 'relay_requests_total{route="/healthz",status="200"} 1.0' in text
    for result, n in (("hit", 1), ("miss", 1), ("stale", 0), ("revalidated", 1)):
        assert f'relay_cache_results_total{{result="{result}"}} {n}.0' in text
