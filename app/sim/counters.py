"""What the simulator counts: calls per endpoint, restaurant and API client, statuses, tokens,
refusals.

Tests and the benchmark read these (``GET /_sim/calls``) to check how the relay treats Toast.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.sim.tokens import Refusals

Json = dict[str, Any]


@dataclass
class Counters:
    calls: Counter[str] = field(default_factory=Counter)
    by_restaurant: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Per (restaurant, endpoint): one flat counter, not one per restaurant, so a fleet of
    thousands adds no objects for the garbage collector to rescan (the benchmark runs
    the sim in the relay's process)."""
    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    expired_token_calls: int = 0
    unauthorized_calls: int = 0
    rate_limited_calls: int = 0
    over_limit_calls: int = 0
    """Calls refused because they broke Toast's limits (not injected 429 faults)."""
    tokens_issued: int = 0
    revocations: int = 0
    refusals: Refusals = field(default_factory=Refusals)
    """Calls made with a token this sim issued and then refused (revoked or expired)."""
    by_client: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Per (API client, endpoint): calls whose token or login named a client this sim
    knows; each Toast client has budgets of its own, so tests check them one by one."""
    client_statuses: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    client_tokens: Counter[str] = field(default_factory=Counter)

    def call(self, endpoint: str, restaurant: str | None, client: str | None = None) -> None:
        self.calls[endpoint] += 1
        if restaurant:
            self.by_restaurant[restaurant, endpoint] += 1
        if client is not None:
            self.by_client[client, endpoint] += 1

    def token_issued(self, client: str) -> None:
        self.tokens_issued += 1
        self.client_tokens[client] += 1

    def _by_client_json(self) -> dict[str, Json]:
        out: dict[str, Json] = {}

        def entry(client: str) -> Json:
            return out.setdefault(client, {"calls": {}, "total": 0, "statuses": {},
                                           "tokens_issued": self.client_tokens[client]})
        for (client, endpoint), n in self.by_client.items():
            row = entry(client)
            row["calls"][endpoint] = n
            row["total"] += n
        for (client, endpoint, code), n in self.client_statuses.items():
            entry(client)["statuses"].setdefault(endpoint, {})[str(code)] = n
        return out

    def _by_restaurant_json(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (guid, endpoint), n in self.by_restaurant.items():
            out.setdefault(guid, {})[endpoint] = n
        return out

    def status(self, endpoint: str, code: int, client: str | None = None) -> None:
        self.statuses.setdefault(endpoint, Counter())[str(code)] += 1
        if client is not None:
            self.client_statuses[client, endpoint, code] += 1

    def to_json(self) -> Json:
        return {
            "calls": dict(self.calls), "total": sum(self.calls.values()),
            "by_restaurant": self._by_restaurant_json(),
            "statuses": {e: dict(c) for e, c in self.statuses.items()},
            "expired_token_calls": self.expired_token_calls,
            "unauthorized_calls": self.unauthorized_calls,
            "rate_limited_calls": self.rate_limited_calls,
            "over_limit_calls": self.over_limit_calls,
            "tokens_issued": self.tokens_issued,
            "revocations": self.revocations,
            "refused_token_calls": self.refusals.calls,
            "refused_token_repeats": self.refusals.repeats,
            "refused_tokens": self.refusals.tokens,
            "by_client": self._by_client_json(),
        }
