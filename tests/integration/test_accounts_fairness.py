"""One account's Toast failing (429s, refused credentials) beside a healthy one, over real
sockets: the healthy account's publishes still reach its screens within its interval, and
the failure shows under the failing account's name in /admin/status and the logs."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.sim.sample import AGENCY_CLIENT_ID
from tests.support.accounts import (
    AGENCY,
    AGENCY_KEY,
    GLOBAL_ADMIN,
    HARBOR,
    HARBOR_KEY,
    RESTAURANTS,
    accounts_stack,
    fault,
    get,
    json_lines,
)
from tests.support.stack import RunningStack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
HARBOR_GUID = RESTAURANTS[HARBOR]["harbor"]
AGENCY_GUIDS = set(RESTAURANTS[AGENCY].values())
REACH = 6.0
"""Seconds a publish may take to reach /menu: the 1 s refresh interval, the 1 s spacing of
/menus per location, and a slow shared machine."""


def a_priced_item(url: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = get(url, "/menu/harbor", HARBOR_KEY).json()["items"]
    return next(r for r in rows if r["price"] and not r["sizes"])


def publish_reaches_menu(stack: RunningStack, item: dict[str, Any], price: float) -> float:
    """Publish ``price`` for ``item`` at the harbor and wait for the relay's /menu to show
    it; the seconds that took."""
    httpx.post(f"{stack.sim}/_sim/publish/{HARBOR_GUID}",
               json={"itemGuid": item["guid"], "price": price}, timeout=10).raise_for_status()
    started = time.monotonic()

    def shown() -> bool:
        rows = get(stack.url, "/menu/harbor", HARBOR_KEY).json()["items"]
        return any(r["guid"] == item["guid"] and r["price"] == price for r in rows)

    wait_for(shown, timeout=REACH, what=f"price {price} on the harbor's /menu")
    return time.monotonic() - started


def status(url: str) -> dict[str, Any]:
    r = httpx.get(f"{url}/admin/status", headers={"X-API-Key": GLOBAL_ADMIN}, timeout=30)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def failing_parts(answer: dict[str, Any], account: str, guids: set[str]) -> str:
    """What /admin/status says of ``account``: its ``accounts`` section when the status has
    one, else the entries of its restaurants (the same text either way for the asserts)."""
    if "accounts" in answer:
        return str(answer["accounts"][account])
    return str([r for r in answer["restaurants"] if r["restaurant"] in guids])


def status_naming(url: str, code: str) -> dict[str, Any] | None:
    """/admin/status once it shows ``code`` under the agency, else None."""
    answer = status(url)
    return answer if code in failing_parts(answer, AGENCY, AGENCY_GUIDS) else None


def agency_error_lines(output: str) -> list[dict[str, Any]]:
    return [line for line in json_lines(output)
            if line.get("level") in ("warning", "error") and line.get("account") == AGENCY]


def test_one_account_answered_429s_does_not_slow_the_other(tmp_path: Path) -> None:
    """The agency's client gets 429s for good: the harbor group's publishes still reach its
    /menu within its interval, the agency's screens keep their copy, and the 429s show
    under `agency` in /admin/status and in its log lines."""
    with accounts_stack(tmp_path) as (stack, _):
        item = a_priced_item(stack.url)
        assert get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 200
        fault(stack.sim, AGENCY_CLIENT_ID, "429", retryAfter=30)
        wait_for(lambda: agency_error_lines(stack.relay.output()), timeout=15,
                 what="an agency log line about its 429s")
        for step in range(2):
            assert publish_reaches_menu(stack, item, round(item["price"] + 1 + step, 2)) < REACH
        assert get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 200
        answer = wait_for(partial(status_naming, stack.url, "429"), timeout=15,
                          what="the agency's 429 in the status")
        assert "429" not in failing_parts(answer, HARBOR, set(RESTAURANTS[HARBOR].values()))
        lines = agency_error_lines(stack.relay.output())
        assert lines and all(line["account"] == AGENCY for line in lines)
        assert not [line for line in json_lines(stack.relay.output())
                    if line.get("account") == HARBOR and "429" in str(line)]


def test_one_account_with_refused_credentials_does_not_hold_the_other(tmp_path: Path) -> None:
    """The agency's credentials are refused (401 at login) from the start: the harbor
    group warms, serves and follows publishes; the agency's login failure shows under
    `agency` in /admin/status and its log lines."""
    with accounts_stack(tmp_path, relays=0) as (stack, _):
        fault(stack.sim, AGENCY_CLIENT_ID, "401")
        stack.start_relays()
        item = wait_for(lambda: a_priced_item(stack.url), timeout=10,
                        what="the harbor's first load")
        assert publish_reaches_menu(stack, item, round(item["price"] + 2, 2)) < REACH
        refused = get(stack.url, "/menu/taqueria", AGENCY_KEY)
        assert refused.status_code >= 500 and refused.json()["error"]
        answer = wait_for(partial(status_naming, stack.url, "401"), timeout=15,
                          what="the agency's 401 in the status")
        harbor_part = failing_parts(answer, HARBOR, set(RESTAURANTS[HARBOR].values()))
        assert "401" not in harbor_part
        wait_for(lambda: agency_error_lines(stack.relay.output()), timeout=15,
                 what="an agency log line about its refused login")
