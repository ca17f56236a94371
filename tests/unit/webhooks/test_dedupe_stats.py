"""The seen-event guard is bounded in count and age; counters stay per served restaurant."""

from __future__ import annotations

from app.webhooks.dedupe import SeenEvents
from app.webhooks.stats import WebhookStats


def test_seen_guid_is_remembered_for_the_ttl() -> None:
    """A GUID is a duplicate until ttl seconds after it was remembered."""
    seen = SeenEvents(capacity=10, ttl=100)
    seen.remember("a", now=0)
    assert seen.seen("a", now=99)
    assert not seen.seen("a", now=100.5)
    assert len(seen) == 0


def test_capacity_forgets_the_oldest_first() -> None:
    """Past capacity the oldest GUIDs are forgotten, so memory stays bounded."""
    seen = SeenEvents(capacity=3, ttl=1000)
    for i, guid in enumerate("abcd"):
        seen.remember(guid, now=i)
    assert len(seen) == 3
    assert not seen.seen("a", now=5)
    assert all(seen.seen(g, now=5) for g in "bcd")


def test_remembering_again_keeps_a_guid_longest() -> None:
    """A GUID remembered again starts a new lifetime and is the last one capacity forgets."""
    seen = SeenEvents(capacity=2, ttl=100)
    seen.remember("a", now=0)
    seen.remember("b", now=1)
    seen.remember("a", now=50)
    seen.remember("c", now=51)
    assert not seen.seen("b", now=51)
    assert seen.seen("a", now=149) and not seen.seen("a", now=150)


async def test_released_claim_is_taken_again() -> None:
    """A released claim is taken again; releasing an unknown or expired GUID is harmless."""
    seen = SeenEvents(capacity=10, ttl=100)
    assert await seen.claim("a", now=0)
    assert not await seen.claim("a", now=10)
    await seen.release("a")
    assert await seen.claim("a", now=20)
    await seen.release("never-seen")
    assert await seen.claim("b", now=200)
    await seen.release("a")
    assert len(seen) == 1


def test_stats_count_events_and_failures_per_restaurant() -> None:
    """Events, last event time and signature failures are kept per restaurant."""
    stats = WebhookStats()
    stats.event("r1", "menus_updated", now=1_700_000_000)
    stats.event("r1", "out_of_stock", now=1_700_000_060)
    assert stats.signature_failure("r1") == 1
    assert stats.signature_failure(None) == 2
    status = stats.status()
    assert status["restaurants"] == {"r1": {
        "events": 2, "lastEventAt": "2023-11-14T22:14:20Z", "signatureFailures": 1,
        "byType": {"menus_updated": 1, "out_of_stock": 1}}}
    outcomes = status["outcomes"]
    assert isinstance(outcomes, dict) and outcomes["bad_signature"] == 2
