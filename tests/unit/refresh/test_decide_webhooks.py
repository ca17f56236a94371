"""Webhook rules as pure transitions: fetch at once, coalesce bursts, recheck a late document."""

from __future__ import annotations

from msgspec.structs import replace

from app.refresh import decide
from app.refresh.decide import Event, Now, Plan, RefreshState

AT = Now(mono=50.0, wall=1_000.0)
PUBLISHED = 2_000.0


def state(**kw: object) -> RefreshState:
    return replace(RefreshState(next_check=9e9, next_stock=9e9, has_view=True), **kw)


def test_event_for_a_newer_publish_fetches_now() -> None:
    """menus_updated newer than the copy held: a fetch starts at once."""
    s, fetch_now = decide.webhook_heard(state(), AT, held=1_500.0, published_at=PUBLISHED)
    assert fetch_now
    assert (s.urgent_at, s.published_at) == (AT.mono, PUBLISHED)


def test_event_for_the_publish_already_held_does_nothing() -> None:
    """A late or repeated event whose publishedDate the copy already has: no fetch."""
    s, fetch_now = decide.webhook_heard(state(), AT, held=PUBLISHED, published_at=PUBLISHED)
    assert not fetch_now
    assert s.urgent_at is None


def test_event_during_a_running_check_waits_for_the_tick() -> None:
    """While a check runs the event only marks a fetch due; the tick starts it afterwards."""
    s, fetch_now = decide.webhook_heard(state(checking=True), AT, held=1_500.0,
                                        published_at=PUBLISHED)
    assert not fetch_now
    s = replace(s, checking=False)
    assert decide.decide(s, Event.TICK, AT, 86_400, last_requested=0.0) == Plan(fetch=True)


def test_burst_of_events_is_one_fetch() -> None:
    """50 events: the first starts a fetch, the rest coalesce into the fetch in flight."""
    s = state()
    starts = 0
    for i in range(50):
        s, fetch_now = decide.webhook_heard(s, Now(AT.mono + i * 0.01, AT.wall), 1_500.0,
                                            PUBLISHED)
        if fetch_now:
            starts += 1
            s = decide.fetch_started(replace(s, checking=True))
    s = replace(s, checking=False)
    assert starts == 1
    s, delay = decide.webhook_fetched(s, AT, held=PUBLISHED, ok=True)
    assert delay is None
    assert s.published_at is None
    assert s.urgent_at is None  # the events heard during the fetch are covered by it


def test_newer_or_undated_event_during_a_fetch_gets_another_fetch() -> None:
    """An event heard while a fetch runs still gets its own fetch if that one is not enough."""
    for published in (PUBLISHED + 10, None):
        s, _ = decide.webhook_heard(state(), AT, held=1_500.0, published_at=PUBLISHED)
        s = decide.fetch_started(replace(s, checking=True))
        s, _ = decide.webhook_heard(s, AT, held=1_500.0, published_at=published)
        s = replace(s, checking=False)
        s, _ = decide.webhook_fetched(s, AT, held=PUBLISHED, ok=True)
        assert s.urgent_at is not None, published


def test_older_document_is_fetched_again_on_a_short_schedule() -> None:
    """While /menus is older than publishedDate: again after 2, 5, 15, 30, 60 s, then stop."""
    s, _ = decide.webhook_heard(state(), AT, held=1_500.0, published_at=PUBLISHED)
    delays = []
    now = AT
    while True:
        s, delay = decide.webhook_fetched(decide.fetch_started(s), now, held=1_500.0, ok=True)
        if delay is None:
            break
        delays.append(delay)
        assert s.urgent_at == now.mono + delay
        now = Now(now.mono + delay, now.wall + delay)
    assert delays == [2.0, 5.0, 15.0, 30.0, 60.0]
    assert s.published_at is None and s.urgent_at is None


def test_failed_fetch_is_retried_on_the_schedule_whatever_the_backoff() -> None:
    """A webhook fetch that failed is tried again in 2 s even if checks back off for long."""
    s, _ = decide.webhook_heard(state(failures=6, next_check=AT.mono + 900), AT, held=1_500.0,
                                published_at=PUBLISHED)
    s, delay = decide.webhook_fetched(decide.fetch_started(s), AT, held=1_500.0, ok=False)
    assert delay == 2.0
    later = Now(AT.mono + 2, AT.wall + 2)
    assert decide.decide(s, Event.TICK, later, 86_400, last_requested=0.0).fetch


def test_event_without_a_date_fetches_once() -> None:
    """No readable publishedDate: one fetch, no rechecks."""
    s, fetch_now = decide.webhook_heard(state(), AT, held=1_500.0, published_at=None)
    assert fetch_now
    s, delay = decide.webhook_fetched(decide.fetch_started(s), AT, held=1_500.0, ok=True)
    assert delay is None
    assert s.urgent_at is None
