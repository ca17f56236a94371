"""Webhook counters: per restaurant (events, last event, signature failures) and per outcome.

Per-restaurant entries exist only for restaurants this relay serves, so a flood
of forged GUIDs cannot grow the status page or the metrics' label sets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.clock import iso_utc

OUTCOMES = ("accepted", "duplicate", "ignored", "bad_signature", "malformed", "stale",
            "too_large", "not_taken")


@dataclass
class RestaurantWebhooks:
    events: int = 0
    last_event_at: float | None = None
    signature_failures: int = 0
    by_type: Counter[str] = field(default_factory=Counter)


class WebhookStats:
    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.restaurants: dict[str, RestaurantWebhooks] = {}

    def _entry(self, guid: str) -> RestaurantWebhooks:
        entry = self.restaurants.get(guid)
        if entry is None:
            entry = self.restaurants[guid] = RestaurantWebhooks()
        return entry

    def outcome(self, result: str) -> None:
        self.outcomes[result] += 1

    def event(self, guid: str, event_type: str, now: float) -> None:
        """An accepted event for a served restaurant."""
        entry = self._entry(guid)
        entry.events += 1
        entry.last_event_at = now
        entry.by_type[event_type] += 1

    def signature_failure(self, guid: str | None) -> int:
        """Count one; returns the new total for ``guid`` (or over all when unknown)."""
        self.outcome("bad_signature")
        if guid is None:
            return self.outcomes["bad_signature"]
        entry = self._entry(guid)
        entry.signature_failures += 1
        return entry.signature_failures

    def status(self) -> dict[str, object]:
        """For /admin/status: totals by outcome and each restaurant's figures."""
        return {
            "outcomes": {o: self.outcomes[o] for o in OUTCOMES},
            "restaurants": {
                guid: {
                    "events": e.events,
                    "lastEventAt": iso_utc(e.last_event_at) if e.last_event_at else None,
                    "signatureFailures": e.signature_failures,
                    "byType": dict(e.by_type),
                }
                for guid, e in self.restaurants.items()
            },
        }
