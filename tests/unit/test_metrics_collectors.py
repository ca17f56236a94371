"""Per-account series: every account's token, restaurants, budget and webhooks under its name."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.registry import Collector

from app.metrics import Metrics
from app.metrics_collectors import (
    AccountGauges,
    BudgetCollector,
    StateCollector,
    WebhookCollector,
)
from app.serve.status import RestaurantFacts
from app.store.counters import Usage
from app.webhooks.stats import WebhookStats
from tests.support.metrics import TOKEN_EXPIRY, gauges, labels, samples

NOW = 1_800_000_000.0


def restaurants(prefix: str, n: int, *, stale: bool = False) -> list[RestaurantFacts]:
    """``n`` restaurants with copies fetched a minute ago (GUIDs starting ``prefix``)."""
    return [RestaurantFacts(f"{prefix}-0000-4000-8000-{i:012d}", fetched_at=NOW - 60,
                            checked_at=NOW - 30, stale=stale, rows=10) for i in range(n)]


def scrape(*collectors: Collector) -> str:
    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry).decode()


def test_token_and_restaurants_are_labelled_by_account() -> None:
    """Each account's token expiry and restaurant counts by state carry its name; an account
    without a token has no expiry series."""
    current = [gauges("default", restaurants("aaaaaaaa", 2)),
               gauges("agency", restaurants("bbbbbbbb", 3, stale=True), expires=None)]
    text = scrape(StateCollector(lambda: current, lambda: NOW))
    assert samples(text, "relay_token_expiry_timestamp_seconds") == {
        labels(account="default"): TOKEN_EXPIRY}
    by_state = samples(text, "relay_restaurants")
    assert by_state[labels(account="default", state="ok")] == 2
    assert by_state[labels(account="agency", state="stale")] == 3
    assert by_state[labels(account="agency", state="ok")] == 0
    assert samples(text, "relay_menu_rows_total") == {labels(account="default"): 20,
                                                      labels(account="agency"): 30}
    rows = samples(text, "relay_menu_rows")
    assert rows[labels(account="agency", restaurant="bbbbbbbb-0000-4000-8000-000000000002")] == 10
    assert {dict(k)["account"] for k in rows} == {"default", "agency"}


def test_per_restaurant_cap_counts_every_account_together() -> None:
    """RELAY_METRICS_RESTAURANTS caps the per-restaurant series over all accounts at once:
    60 + 60 restaurants pass a cap of 120, not one of 100 (aggregates stay either way)."""
    current = [gauges("default", restaurants("aaaaaaaa", 60)),
               gauges("agency", restaurants("bbbbbbbb", 60))]
    under = scrape(StateCollector(lambda: current, lambda: NOW, 120))
    over = scrape(StateCollector(lambda: current, lambda: NOW, 100))
    assert len(samples(under, "relay_menu_stale")) == 120
    assert "relay_menu_stale{" not in over and "relay_menu_age_seconds{" not in over
    assert len(samples(over, "relay_restaurants")) == 8  # 2 accounts × 4 states


def test_collectors_read_the_accounts_at_scrape_time() -> None:
    """An account added or removed after registration (a reload) shows, or goes, at the
    next scrape."""
    current: list[AccountGauges] = [gauges("default")]
    registry = CollectorRegistry()
    registry.register(StateCollector(lambda: current, lambda: NOW))
    registry.register(BudgetCollector(lambda: current))
    current.append(gauges("agency", used=Usage(2, 40)))
    text = generate_latest(registry).decode()
    assert samples(text, "relay_toast_budget_used")[labels(account="agency", window="15m")] == 40
    current.pop(0)
    text = generate_latest(registry).decode()
    assert 'account="default"' not in text and 'account="agency"' in text


def test_budget_series_are_per_account() -> None:
    """Usage, limits, waiting calls, intervals and stretch each carry the account: Toast's
    budgets are per client."""
    current = [gauges("default", used=Usage(1, 100), waiting={"background": 4}),
               gauges("agency", used=Usage(5, 9000), stretch=2.0)]
    text = scrape(BudgetCollector(lambda: current))
    used = samples(text, "relay_toast_budget_used")
    assert used[labels(account="default", window="15m")] == 100
    assert used[labels(account="agency", window="1s")] == 5
    limit = samples(text, "relay_toast_budget_limit")
    assert limit[labels(account="agency", window="15m", by="toast")] == 10000
    assert samples(text, "relay_toast_waiting") == {
        labels(account="default", priority="background"): 4}
    assert samples(text, "relay_budget_stretch")[labels(account="agency")] == 2.0
    assert samples(text, "relay_effective_interval_seconds")[
        labels(account="agency", kind="metadata")] == 120.0


def test_webhook_series_only_for_accounts_taking_webhooks() -> None:
    """Outcomes and per-restaurant events carry the account; without any account taking
    webhooks there are no webhook series at all."""
    assert "relay_webhooks" not in scrape(WebhookCollector(lambda: [gauges("default")]))
    stats = WebhookStats()
    stats.outcome("accepted")
    stats.event("cccccccc-0000-4000-8000-000000000001", "menus_updated", NOW)
    text = scrape(WebhookCollector(lambda: [gauges("default"),
                                            gauges("agency", webhooks=stats)]))
    outcomes = samples(text, "relay_webhooks_total")
    assert outcomes[labels(account="agency", result="accepted")] == 1
    assert {dict(k)["account"] for k in outcomes} == {"agency"}
    assert samples(text, "relay_webhook_events_total") == {
        labels(account="agency", restaurant="cccccccc-0000-4000-8000-000000000001"): 1}


def test_toast_calls_and_logins_carry_the_account_they_were_made_for() -> None:
    """Each account's Toast client and token manager report under the account's name."""
    m = Metrics()
    m.toast_observer("agency")("menus", "429", 0.2)
    m.toast_observer("default")("menus", "200", 0.1)
    m.login_counter("agency")("error")
    text = generate_latest(m.registry).decode()
    calls = samples(text, "relay_toast_requests_total")
    assert calls == {labels(account="agency", endpoint="menus", status="429"): 1,
                     labels(account="default", endpoint="menus", status="200"): 1}
    assert samples(text, "relay_token_refreshes_total") == {
        labels(account="agency", result="error"): 1}
    assert samples(text, "relay_toast_request_seconds_count")[
        labels(account="agency", endpoint="menus")] == 1
