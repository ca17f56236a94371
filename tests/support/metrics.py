"""Metrics in tests: one account's readings with fixed values, and scraped series."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.metrics_collectors import AccountGauges
from app.serve.status import RestaurantFacts
from app.store.counters import ClientLimits, Usage
from app.webhooks.stats import WebhookStats

TOKEN_EXPIRY = 1_800_003_600.0
IDLE = Usage(0, 0)


def gauges(name: str, facts: Iterable[RestaurantFacts] = (), *,
           expires: float | None = TOKEN_EXPIRY, used: Usage = IDLE,
           waiting: dict[str, int] | None = None, stretch: float = 1.0,
           webhooks: WebhookStats | None = None) -> AccountGauges:
    """An account named ``name`` holding ``facts``, its token expiring at ``expires``."""
    held = list(facts)
    return AccountGauges(name, lambda: expires, lambda: held, lambda: used, ClientLimits(),
                         lambda: dict(waiting or {}), lambda: {"metadata": 60.0 * stretch},
                         lambda: stretch, webhooks)


_SAMPLE = re.compile(r'^(\w+)\{([^}]*)\} (\S+)$')
_LABEL = re.compile(r'(\w+)="([^"]*)"')


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of series ``name`` in a Prometheus text scrape, by their label set."""
    found: dict[frozenset[tuple[str, str]], float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None or match[1] != name:
            continue
        found[frozenset(_LABEL.findall(match[2]))] = float(match[3])
    return found


def labels(**pairs: str) -> frozenset[tuple[str, str]]:
    """A label set as ``samples`` keys them."""
    return frozenset(pairs.items())
