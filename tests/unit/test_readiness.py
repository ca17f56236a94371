"""Readiness: ready while screens can be served, with a failing login shown, not hidden."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from app.metrics import Metrics
from app.metrics_collectors import ReadinessCollector
from app.readiness import Readiness, readiness

A, B = "guid-a", "guid-b"
FAILING = "Toast rejected the client id/secret (401); next try in 30 s"


def judge(*, token_ok: bool, held: set[str], served: tuple[str, ...] = (A, B),
          error: str | None = None, redis_down: bool = False) -> Readiness:
    return readiness(token_ok=token_ok, token_detail="token detail" if token_ok else FAILING,
                     login_error=error, restaurants=served, can_serve=held.__contains__,
                     shared_store_down=redis_down)


@pytest.mark.parametrize(("token_ok", "held", "error", "status"), [
    (True, set(), None, "ready"),
    (True, {A, B}, None, "ready"),
    (False, {A, B}, FAILING, "degraded"),
    (False, {A}, FAILING, "not_ready"),
    (False, set(), FAILING, "not_ready"),
    (True, {A}, FAILING, "degraded"),
])
def test_status_table(token_ok: bool, held: set[str], error: str | None, status: str) -> None:
    """A token, or a servable copy of every restaurant served, keeps the relay ready; a
    failing login with every copy held is degraded (200), with some missing not ready."""
    assert judge(token_ok=token_ok, held=held, error=error).status == status


def test_degraded_body_names_the_login_failure_and_the_copies() -> None:
    """While serving saved copies the body says so and carries the login failure."""
    now = judge(token_ok=False, held={A, B}, error=FAILING)
    assert now.ready and now.login_error == FAILING
    assert now.as_json()["restaurants"] == {"total": 2, "servable": 2}
    assert "saved copies of all 2 restaurants" in now.detail


def test_not_ready_says_what_is_missing() -> None:
    """With neither, the detail gives the login failure and how many copies are missing."""
    now = judge(token_ok=False, held={A}, error=FAILING)
    assert not now.ready
    assert FAILING in now.detail and "no saved copy of 1 of the 2" in now.detail


def test_no_restaurants_means_no_copies_to_rely_on() -> None:
    """Serving nothing yet, a failing login is not ready: there is no copy to fall back on."""
    assert judge(token_ok=False, held=set(), served=(), error=FAILING).status == "not_ready"


def test_redis_down_is_degraded_but_ready() -> None:
    """An unreachable Redis keeps the replica ready (it serves its own copies), degraded."""
    now = judge(token_ok=True, held=set(), redis_down=True)
    assert now.status == "degraded" and "Redis is unreachable" in now.detail


def test_metrics_show_readiness_and_a_failing_login() -> None:
    """relay_ready and relay_toast_login_failing follow the readiness at scrape time."""
    m = Metrics()
    current = [judge(token_ok=False, held={A, B}, error=FAILING)]
    m.watch(ReadinessCollector(lambda: current[0]))
    text = generate_latest(m.registry).decode()
    assert "relay_ready 1.0" in text and "relay_toast_login_failing 1.0" in text
    current[0] = judge(token_ok=False, held=set(), error=FAILING)
    assert "relay_ready 0.0" in generate_latest(m.registry).decode()
    current[0] = judge(token_ok=True, held=set())
    assert "relay_toast_login_failing 0.0" in generate_latest(m.registry).decode()


def test_metrics_show_redis_degraded_and_open_streams() -> None:
    """relay_redis_degraded is 1 while Redis is away; the event-stream gauges read the feed."""
    m = Metrics()
    current = [judge(token_ok=True, held=set(), redis_down=True)]
    m.watch(ReadinessCollector(lambda: current[0], lambda: (3, 1000)))
    text = generate_latest(m.registry).decode()
    assert "relay_redis_degraded 1.0" in text
    assert "relay_events_connections 3.0" in text and "relay_events_connections_max 1000.0" in text
    current[0] = judge(token_ok=True, held=set())
    assert "relay_redis_degraded 0.0" in generate_latest(m.registry).decode()
