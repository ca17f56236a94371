"""Two relay replicas with two accounts on one real redis-server: one Toast login per
account in total, each replica serving both accounts with their own keys."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from tests.support.accounts import (
    CLIENTS,
    HARBOR_KEY,
    KEYS,
    RESTAURANTS,
    accounts_stack,
    by_client,
    get,
    logins,
)
from tests.support.waits import stays, wait_for

pytestmark = pytest.mark.integration


def served(url: str, alias: str, key: str) -> bool:
    return get(url, f"/menu/{alias}", key).status_code == 200


def test_two_replicas_log_in_once_per_account(tmp_path: Path) -> None:
    """Two replicas started together on one redis-server: every restaurant of both accounts
    served by each, one login per client in all, and none more while they run on."""
    with accounts_stack(tmp_path, relays=2, redis=True) as (stack, _):
        assert stack.redis is not None and len(stack.urls) == 2
        for url in stack.urls:
            for name, restaurants in RESTAURANTS.items():
                for alias in restaurants:
                    wait_for(partial(served, url, alias, KEYS[name]),
                             what=f"{alias} served by {url}")
            assert get(url, "/menu/taqueria", HARBOR_KEY).status_code == 403
        stays(lambda: all(logins(stack.sim, c) == 1 for c in CLIENTS.values()), 2.0,
              "one login per client across both replicas")
        counted = by_client(stack.sim)
        for client in CLIENTS.values():
            assert counted[client]["calls"]["login"] == 1, counted[client]
