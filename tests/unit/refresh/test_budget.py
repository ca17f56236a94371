"""The budget planner: intervals stretch with the number of restaurants, within Toast's limits."""

from __future__ import annotations

import pytest

from app.refresh.budget import (
    FIRST_LOAD_CALLS,
    INFO_MAX_AGE,
    PUBLISH_CALLS,
    Budget,
    Demand,
    calls_per_window,
    plan,
    publish_calls,
)
from app.refresh.decide import Intervals
from app.store.counters import ClientLimits

LIMITS = ClientLimits()


@pytest.mark.parametrize(
    ("restaurants", "webhook_fed", "metadata", "stock", "stretch"),
    [
        (0, 0, 60, 60, 1.0),  # nothing to poll: configured intervals
        (1, 0, 60, 60, 1.0),
        (250, 0, 60, 60, 1.0),  # 250 x (15 + 15) = 7,500: exactly the planned budget
        (500, 0, 60, 60, 2.0),  # 15,000 wanted: intervals doubled (120 s)
        (1000, 0, 60, 60, 4.0),  # 30,000 wanted: 240 s
        (1000, 0, 300, 60, 2.4),  # 1000 x (3 + 15) = 18,000: 720 s and 144 s, ratio kept
        (100, 100, 60, 60, 1.0),  # webhook-fed: 100 x (0.5 + 15) = 1,550 fits
        (1000, 1000, 60, 60, 15_500 / 7_500),  # stock 124 s, metadata every 62 min
        (1000, 500, 60, 60, 22_750 / 7_500),  # 7,500 + 250 + 15,000
    ],
)
def test_effective_intervals_table(restaurants: int, webhook_fed: int, metadata: float,
                                   stock: float, stretch: float) -> None:
    """Polled, webhook-fed and stock intervals stretch alike once the 15-minute plan is full."""
    result = plan(Demand(restaurants, webhook_fed, metadata, stock), LIMITS)
    assert result.stretch == pytest.approx(stretch)
    assert result.metadata_interval == pytest.approx(metadata * stretch)
    assert result.webhook_metadata_interval == pytest.approx(1800 * stretch)
    assert result.stock_interval == pytest.approx(stock * stretch)
    assert result.calls_per_window <= LIMITS.planned_per_window + 1e-6


@pytest.mark.parametrize("restaurants", [1, 10, 100, 334, 500, 1000, 5000])
@pytest.mark.parametrize("webhook_share", [0.0, 0.5, 1.0])
def test_plan_always_fits_the_budget(restaurants: int, webhook_share: float) -> None:
    """Whatever the count, planned polling stays within the planned share of Toast's 10,000."""
    fed = int(restaurants * webhook_share)
    result = plan(Demand(restaurants, fed, 60, 60), LIMITS)
    assert result.calls_per_window <= LIMITS.planned_per_window + 1e-6
    assert result.calls_per_window == pytest.approx(
        calls_per_window(Demand(restaurants, fed, 60, 60), 900, result.stretch))
    assert LIMITS.planned_per_window < LIMITS.toast_per_window  # headroom for screens


def test_intervals_never_shrink_below_the_configured_ones() -> None:
    """A small relay keeps the operator's intervals exactly (stretch 1)."""
    result = plan(Demand(3, 1, 60, 30), LIMITS)
    assert (result.metadata_interval, result.stock_interval, result.stretch) == (60, 30, 1.0)
    assert result.metadata_for(webhook_fed=True) == 1800
    assert result.metadata_for(webhook_fed=False) == 60


def test_intervals_grow_monotonically_with_restaurants() -> None:
    """Adding restaurants never shortens an interval."""
    previous = 0.0
    for n in range(0, 2001, 50):
        interval = plan(Demand(n, 0, 60, 60), LIMITS).stock_interval
        assert interval >= previous
        previous = interval


def test_status_figures_are_numbers() -> None:
    """as_json() gives the effective intervals and the planned spend as numbers."""
    body = plan(Demand(500, 0, 60, 60), LIMITS).as_json()
    assert body["metadataInterval"] == 120.0 and body["stockInterval"] == 120.0
    assert body["plannedBudgetPerWindow"] == 7500 and body["windowSeconds"] == 900.0
    assert body["stretch"] == 2.0


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"restaurants": 1, "webhook_fed": 2, "metadata_interval": 60, "stock_interval": 60},
     "webhook_fed"),
    ({"restaurants": 1, "webhook_fed": 0, "metadata_interval": 0, "stock_interval": 60},
     "intervals"),
])
def test_demand_refuses_nonsense(kwargs: dict[str, float], match: str) -> None:
    """More webhook-fed than restaurants, or a zero interval, is refused with a clear message."""
    with pytest.raises(ValueError, match=match):
        Demand(**kwargs)  # type: ignore[arg-type]  # deliberately loose input


def test_budget_replans_when_restaurants_are_added() -> None:
    """Budget.intervals follows the tracked count: 60 s for 100 restaurants, 240 s for 1,000."""
    tracked = [100]
    budget = Budget(LIMITS, 60, 60, count=lambda: tracked[0])
    assert budget.intervals("g") == Intervals(60, 60)
    tracked[0] = 1000
    assert budget.intervals("g") == Intervals(240, 240)
    assert budget.gauges() == {"metadata": 240, "stock": 240}
    status = budget.status()
    assert status["restaurants"] == 1000 and status["webhookFed"] == 0


def test_budget_with_webhooks_counts_every_restaurant_as_fed() -> None:
    """With webhooks on, metadata follows the configured (30-minute) interval for all."""
    budget = Budget(LIMITS, 1800, 60, webhooks=True, count=lambda: 1000)
    iv = budget.intervals("g")
    assert iv.refresh == pytest.approx(1800 * 15_500 / 7_500)
    assert iv.stock == pytest.approx(60 * 15_500 / 7_500)
    assert budget.status()["webhookFed"] == 1000


@pytest.mark.parametrize(("publishes", "restaurants", "calls"), [
    (0, 100, 0),  # no publish, no call
    (1, 1, 2),  # a restaurant's first publish in an hour: menus + details
    (50, 1, 51),  # one restaurant publishing 50 times: its details once
    (1_000, 100, 1_100),  # details at most once per restaurant per window
    (30, 100, 60),  # fewer publishes than restaurants: details at most once each
])
def test_publish_calls_count_details_once_per_max_age(publishes: int, restaurants: int,
                                                     calls: int) -> None:
    """A publish costs one /menus call; the details at most once per INFO_MAX_AGE each."""
    assert publish_calls(publishes, restaurants, 900) == calls


def test_reserve_pays_for_more_publishes_than_one_call_each_allows() -> None:
    """What planned polling leaves (2,000) pays for 1,750 publishes a window at 250
    restaurants (the details once each), where two calls per publish paid for 1,000."""
    reserve = LIMITS.per_window - LIMITS.planned_per_window
    assert publish_calls(1_750, 250, LIMITS.window) == reserve
    assert FIRST_LOAD_CALLS == 3 and PUBLISH_CALLS == 1 and LIMITS.window <= INFO_MAX_AGE


def test_publish_calls_refuses_negative_counts() -> None:
    """Negative counts or an empty window are a clear error, not a negative budget."""
    with pytest.raises(ValueError, match="publishes and restaurants"):
        publish_calls(-1, 1, 900)
