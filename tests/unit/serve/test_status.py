"""Operator views that scale: the /admin/status summary and pages, bounded /metrics."""

from __future__ import annotations

import orjson
from prometheus_client import CollectorRegistry, generate_latest

from app.api.admin import DEFAULT_PAGE
from app.metrics_collectors import StateCollector
from app.serve.status import RestaurantFacts, page, summarise
from tests.support.metrics import gauges

NOW = 1_800_000_000.0


def fleet(n: int) -> list[RestaurantFacts]:
    """``n`` restaurants: 1% stale, 1% without a copy (49, 149, … / 99, 199, …), the rest ok."""
    out = []
    for i in range(n):
        guid = f"00000000-0000-4000-8000-{i:012d}"
        if i % 100 == 99:
            out.append(RestaurantFacts(guid, last_error="Toast answered 503", pinned=True))
            continue
        out.append(RestaurantFacts(
            guid, name=f"Location {i}", last_updated="2026-01-01T00:00:00.000+0000",
            fetched_at=NOW - 120 - i, checked_at=NOW - 30 - i % 60, stale=i % 50 == 49,
            rows=150, next_check=NOW + 30, next_stock=NOW + 20, pinned=True))
    return out


def test_state_of_a_restaurant() -> None:
    """Fresh copy → ok; stale copy → stale; no copy → loading, or unavailable after an error."""
    assert RestaurantFacts("g", stale=False).state == "ok"
    assert RestaurantFacts("g", stale=True).state == "stale"
    assert RestaurantFacts("g").state == "loading"
    assert RestaurantFacts("g", last_error="503").state == "unavailable"
    assert RestaurantFacts("g", stale=False, stock_error="503").is_problem


def test_summary_counts_states_and_oldest_confirmation() -> None:
    """The summary counts each state and problems, sums rows, and names the oldest check."""
    s = summarise(fleet(1000), NOW)
    assert s["total"] == 1000 and s["unavailable"] == 10 and s["stale"] == 10
    assert s["ok"] == 980 and s["loading"] == 0 and s["problems"] == 20
    assert s["rows"] == 990 * 150 and s["pinned"] == 1000
    assert s["maxCheckAgeSeconds"] == 89.0


def test_pages_are_stable_and_link_the_next_one() -> None:
    """Pages go by GUID; ``next`` links the following page until the selection ends."""
    facts = list(reversed(fleet(120)))
    first = page(facts, selection="all", offset=0, limit=50)
    assert [e["restaurant"] for e in first.entries] == sorted(f.guid for f in facts)[:50]
    assert first.as_json("/admin/status", "all")["next"] == "/admin/status?offset=50&limit=50"
    last = page(facts, selection="all", offset=100, limit=50)
    assert len(last.entries) == 20 and last.as_json("/admin/status", "all")["next"] is None


def test_problem_selection_lists_only_problems() -> None:
    """``state=problems`` lists the stale and unavailable restaurants, nothing else."""
    chosen = page(fleet(1000), selection="problems", offset=0, limit=1000)
    assert chosen.matching == 20
    assert {e["state"] for e in chosen.entries} == {"stale", "unavailable"}
    nxt = page(fleet(1000), selection="stale", offset=0, limit=5).as_json("/s", "stale")["next"]
    assert nxt == "/s?offset=5&limit=5&state=stale"


def test_status_answer_at_1000_restaurants_is_small() -> None:
    """At 1,000 restaurants the default answer (summary + one page) stays under 40 KB."""
    facts = fleet(1000)
    shown = page(facts, selection="all", offset=0, limit=DEFAULT_PAGE)
    body = orjson.dumps({"summary": summarise(facts, NOW), "restaurants": shown.entries,
                         "page": shown.as_json("/admin/status", "all")},
                        option=orjson.OPT_INDENT_2)
    every = orjson.dumps([f.as_json() for f in facts], option=orjson.OPT_INDENT_2)
    assert len(body) < 40_000 < len(every)


def scrape(facts: list[RestaurantFacts], per_restaurant_max: int) -> str:
    registry = CollectorRegistry()
    registry.register(StateCollector(lambda: [gauges("default", facts)], lambda: NOW,
                                     per_restaurant_max))
    return generate_latest(registry).decode()


def test_metrics_aggregate_beyond_the_threshold() -> None:
    """Beyond RELAY_METRICS_RESTAURANTS only aggregates are exported, so size stays flat."""
    small, big = scrape(fleet(20), 100), scrape(fleet(1000), 100)
    assert ('relay_menu_rows{account="default",restaurant="00000000-0000-4000-8000-000000000000"}'
            ' 150.0') in small
    assert "relay_menu_rows{" not in big and "relay_menu_age_seconds{" not in big
    assert 'relay_restaurants{account="default",state="stale"} 10.0' in big
    assert 'relay_menu_rows_total{account="default"} 148500.0' in big
    assert 'relay_menu_check_age_seconds_max{account="default"} 89.0' in big
    assert len(big) < 3_000 and len(scrape(fleet(1000), 0)) == len(big)


def test_metrics_per_restaurant_below_the_threshold() -> None:
    """Up to the threshold every restaurant has its age, rows and stale series."""
    text = scrape(fleet(100), 100)
    assert text.count("relay_menu_stale{") == 100 and text.count("relay_menu_rows{") == 100
    assert text.count("relay_menu_age_seconds{") == 99  # one has no copy yet
