"""How often the relay may poll Toast, for how many restaurants: intervals that stretch.

Each polled restaurant costs one ``/menus/v2/metadata`` call per metadata interval
and one ``/stock/v1/inventory`` call per stock interval. Toast allows an API client
10,000 calls per 15 minutes (docs/toast-api.md, rate limits), so with the default
60 s intervals about 334 restaurants use it all. ``plan`` keeps background polling within
``ClientLimits.planned_per_window`` (7,500 by default, leaving the rest of the
relay's 9,500 for first loads, ``/menus`` fetches after a change, webhooks, admin
refreshes and logins): when the configured intervals would spend more, every
interval is stretched by the same factor, so the relative cadence the operator
chose is kept. Restaurants fed by Toast's webhooks need metadata only every 30
minutes (Toast's advice: docs/toast-api.md, webhooks), which is what lets a large relay keep
its stock fresh.

What planned polling leaves (2,000 calls per window by default) pays for what
cannot be planned. A publish costs one ``/menus`` call (``PUBLISH_CALLS``); the
restaurant's details (``/restaurants/v1/restaurants``) are asked for beside it only
when they are ``INFO_MAX_AGE`` old, so at most once an hour per restaurant however
often it publishes (``publish_calls``). A first
load costs three calls (``FIRST_LOAD_CALLS``: menus, details, stock, sent at once).

Pure: numbers in, numbers out; the scheduler asks again whenever the number of
restaurants changes. The per-second limit never binds for planned polling (the
15-minute budget averages 8.3 calls/s against 18/s); bursts are the limiter's job.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from app.refresh.decide import Intervals
from app.store.counters import ClientLimits

WEBHOOK_METADATA_INTERVAL = 1800.0
"""Metadata check for a webhook-fed restaurant: Toast recommends every 30 minutes."""
INFO_MAX_AGE = 3600.0
"""Seconds a restaurant's details (name, time zone, currency) are used before a menus fetch
asks for them again (``app/refresh/loader.py``)."""
PUBLISH_CALLS = 1
"""Toast calls a publish costs: its ``/menus`` fetch (details come at most per INFO_MAX_AGE)."""
FIRST_LOAD_CALLS = 3
"""Toast calls a first load costs: menus, details and stock."""


@dataclass(frozen=True)
class Demand:
    """What is polled: how many restaurants, how many webhook-fed, configured intervals."""

    restaurants: int
    webhook_fed: int
    metadata_interval: float
    stock_interval: float
    webhook_metadata_interval: float = WEBHOOK_METADATA_INTERVAL

    def __post_init__(self) -> None:
        if not 0 <= self.webhook_fed <= self.restaurants:
            raise ValueError("webhook_fed must be between 0 and restaurants")
        if min(self.metadata_interval, self.stock_interval,
               self.webhook_metadata_interval) <= 0:
            raise ValueError("intervals must be more than 0 seconds")


@dataclass(frozen=True)
class Plan:
    """Effective intervals and what they spend per window (``window`` seconds)."""

    metadata_interval: float
    webhook_metadata_interval: float
    stock_interval: float
    stretch: float
    calls_per_window: float
    budget_per_window: int
    window: float

    def metadata_for(self, webhook_fed: bool) -> float:
        """The metadata interval for one restaurant."""
        return self.webhook_metadata_interval if webhook_fed else self.metadata_interval

    def as_json(self) -> dict[str, float]:
        """Numbers for /admin/status (seconds and calls; rounded only for reading)."""
        return {
            "metadataInterval": round(self.metadata_interval, 1),
            "webhookMetadataInterval": round(self.webhook_metadata_interval, 1),
            "stockInterval": round(self.stock_interval, 1),
            "stretch": round(self.stretch, 3),
            "plannedCallsPerWindow": round(self.calls_per_window, 1),
            "plannedBudgetPerWindow": self.budget_per_window,
            "windowSeconds": self.window,
        }


def calls_per_window(demand: Demand, window: float, stretch: float = 1.0) -> float:
    """Background calls ``demand`` makes in ``window`` seconds with intervals × ``stretch``."""
    polled = demand.restaurants - demand.webhook_fed
    per_restaurant_stock = window / demand.stock_interval
    return (polled * window / demand.metadata_interval
            + demand.webhook_fed * window / demand.webhook_metadata_interval
            + demand.restaurants * per_restaurant_stock) / stretch


def publish_calls(publishes: float, restaurants: int, window: float) -> float:
    """At most how many calls ``publishes`` spread over ``restaurants`` cost in ``window``
    seconds: one ``/menus`` each, plus the details of a restaurant at most once per
    ``INFO_MAX_AGE`` (and never more often than it publishes)."""
    if publishes < 0 or restaurants < 0 or window <= 0:
        raise ValueError("publishes and restaurants must be 0 or more, window more than 0")
    details = min(publishes, restaurants * math.ceil(window / INFO_MAX_AGE))
    return publishes * PUBLISH_CALLS + details


def plan(demand: Demand, limits: ClientLimits) -> Plan:
    """The configured intervals if they fit the planned budget, else all stretched alike."""
    budget = limits.planned_per_window
    wanted = calls_per_window(demand, limits.window)
    stretch = max(1.0, wanted / budget)
    return Plan(
        metadata_interval=demand.metadata_interval * stretch,
        webhook_metadata_interval=demand.webhook_metadata_interval * stretch,
        stock_interval=demand.stock_interval * stretch,
        stretch=stretch,
        calls_per_window=wanted / stretch,
        budget_per_window=budget,
        window=limits.window,
    )


class Budget:
    """The plan for the restaurants tracked now: the menu service's ``intervals``.

    A thin holder around ``plan``: it asks ``count`` how many restaurants are
    tracked and plans again when that number changes. With webhooks on, every
    restaurant counts as webhook-fed and its metadata interval is the configured
    one (30 minutes unless set).
    """

    def __init__(self, limits: ClientLimits, metadata_interval: float, stock_interval: float,
                 *, webhooks: bool = False, count: Callable[[], int] = lambda: 0) -> None:
        self.limits = limits
        self.metadata_interval = metadata_interval
        self.stock_interval = stock_interval
        self.webhooks = webhooks
        self.count = count
        self._plan: Plan | None = None
        self._planned_for = -1

    def current(self) -> Plan:
        """The plan for the current number of restaurants (cached until it changes)."""
        n = self.count()
        if self._plan is None or n != self._planned_for:
            self._plan = plan(self._demand(n), self.limits)
            self._planned_for = n
        return self._plan

    def intervals(self, guid: str) -> Intervals:
        """Effective intervals for one restaurant (every restaurant alike for now)."""
        p = self.current()
        return Intervals(p.metadata_for(self.webhooks), p.stock_interval)

    def status(self) -> dict[str, object]:
        """The plan and what it was made from, as numbers, for /admin/status."""
        demand = self._demand(self.count())
        return {"restaurants": demand.restaurants, "webhookFed": demand.webhook_fed,
                "configured": {"metadataInterval": self.metadata_interval,
                               "stockInterval": self.stock_interval},
                "effective": self.current().as_json()}

    def gauges(self) -> dict[str, float]:
        """Effective intervals in seconds by kind, for /metrics."""
        p = self.current()
        return {"metadata": p.metadata_for(self.webhooks), "stock": p.stock_interval}

    def _demand(self, n: int) -> Demand:
        if self.webhooks:
            return Demand(n, n, self.metadata_interval, self.stock_interval,
                          webhook_metadata_interval=self.metadata_interval)
        return Demand(n, 0, self.metadata_interval, self.stock_interval)
