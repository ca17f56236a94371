"""Two accounts against the simulator's two clients: the accounts file and a running stack.

The account ``harbor-group`` is the simulator's ``demo-client`` (Harbor Lights, Maple Leaf),
``agency`` its ``demo-agency-client`` (Taquería Sol, Rise & Crumb); each has its own
screen key, admin key and webhook secret. ``accounts_stack`` starts the simulator and
relays reading that file, with or without an account ``default`` from TOAST_*;
``two_accounts`` builds such a pair in code, for ``create_app(settings, accounts=...)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from app.config import Settings, account_toml
from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
)
from tests.support.redis_server import RedisServer
from tests.support.stack import RunningStack, running_stack

HARBOR, AGENCY = "harbor-group", "agency"
HARBOR_KEY, AGENCY_KEY = "harbor-screen-key-0000001", "agency-screen-key-0000001"
HARBOR_ADMIN, AGENCY_ADMIN = "harbor-admin-key-00000001", "agency-admin-key-00000001"
GLOBAL_ADMIN = "global-admin-key-000000001"
HARBOR_HOOK, AGENCY_HOOK = "harbor-webhook-secret-1", "agency-webhook-secret-1"
DEFAULT_KEY = "default-screen-key-000001"
DEFAULT_HOOK = "default-webhook-secret-1"

RESTAURANTS = {
    HARBOR: {"harbor": SAMPLE_RESTAURANT_GUID, "maple": SECOND_RESTAURANT_GUID},
    AGENCY: {"taqueria": AGENCY_TAQUERIA_GUID, "bakery": AGENCY_BAKERY_GUID},
}
"""Each account's restaurants, alias → GUID (the account `default` takes HARBOR's)."""
KEYS = {HARBOR: HARBOR_KEY, AGENCY: AGENCY_KEY}
CLIENTS = {HARBOR: SAMPLE_CLIENT_ID, AGENCY: AGENCY_CLIENT_ID}


def account_fields(name: str, sim_url: str, **changes: Any) -> dict[str, Any]:
    """The table of account ``name`` (HARBOR or AGENCY) against the simulator."""
    harbor = name == HARBOR
    fields: dict[str, Any] = {
        "api_url": sim_url,
        "client_id": SAMPLE_CLIENT_ID if harbor else AGENCY_CLIENT_ID,
        "client_secret": SAMPLE_CLIENT_SECRET if harbor else AGENCY_CLIENT_SECRET,
        "restaurants": RESTAURANTS[name],
        "screen_keys": [KEYS[name]],
        "admin_key": HARBOR_ADMIN if harbor else AGENCY_ADMIN,
        "webhook_secrets": [HARBOR_HOOK if harbor else AGENCY_HOOK],
        "refresh_interval": 1,
        "stock_interval": 1,
    }
    fields.update(changes)
    return fields


def write_accounts(path: Path, tables: dict[str, dict[str, Any]]) -> Path:
    """``path`` holding these accounts' tables (replaced whole, as an operator's edit)."""
    path.write_text("\n".join(account_toml(n, f) for n, f in tables.items()),
                    encoding="utf-8")
    return path


def default_env(sim_url: str) -> dict[str, str]:
    """TOAST_*/RELAY_* describing the account `default`: the demo client, HARBOR's
    restaurants, its own key and webhook secret."""
    return {
        "TOAST_API_URL": sim_url, "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": DEFAULT_KEY,
        "RELAY_RESTAURANTS": json.dumps(RESTAURANTS[HARBOR]),
        "RELAY_WEBHOOK_SECRET": DEFAULT_HOOK,
    }


@contextmanager
def accounts_stack(tmp: Path, names: tuple[str, ...] = (HARBOR, AGENCY), *,
                   default: bool = False, relays: int = 1, redis: RedisServer | bool = False,
                   changes: dict[str, dict[str, Any]] | None = None,
                   more: Callable[[str], dict[str, dict[str, Any]]] | None = None,
                   sim_args: list[str] | None = None,
                   **env: str) -> Iterator[tuple[RunningStack, Path]]:
    """The simulator and ``relays`` relays reading an accounts file of ``names`` (each
    table with ``changes[name]`` applied, then the tables ``more(sim_url)`` gives);
    ``default``: TOAST_* also describe the account `default` (the demo client);
    ``sim_args`` go to the simulator. Yields the stack and the file's path."""
    path = tmp / "accounts.toml"

    def env_for(sim_url: str, **extra: str) -> dict[str, str]:
        write_accounts(path, {**{n: account_fields(n, sim_url, **(changes or {}).get(n, {}))
                                 for n in names}, **(more(sim_url) if more else {})})
        return {"RELAY_ACCOUNTS_FILE": str(path), "RELAY_ADMIN_KEY": GLOBAL_ADMIN,
                "RELAY_LOG_FORMAT": "json",
                **(default_env(sim_url) if default else {}), **env, **extra}

    with running_stack(tmp, relays=relays, redis=redis, env_for=env_for,
                       sim_args=sim_args) as stack:
        yield stack, path


def by_client(sim_url: str) -> dict[str, Any]:
    """The simulator's counters per API client."""
    found: dict[str, Any] = httpx.get(f"{sim_url}/_sim/calls", timeout=10).json()["by_client"]
    return found


def logins(sim_url: str, client: str) -> int:
    """Tokens the simulator issued to ``client``."""
    return int(by_client(sim_url).get(client, {}).get("tokens_issued", 0))


def fault(sim_url: str, client: str | None, mode: str, endpoint: str = "*",
          **extra: Any) -> None:
    """A simulator fault on ``endpoint`` for one client (``mode`` "off" clears)."""
    body = {"endpoint": endpoint, "mode": mode, "client": client, **extra}
    httpx.post(f"{sim_url}/_sim/fault", json=body, timeout=10).raise_for_status()


def get(url: str, path: str, key: str, **params: str) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, headers={"X-API-Key": key}, timeout=30)


def json_lines(output: str) -> list[dict[str, Any]]:
    """The JSON log lines of a process's output (other lines skipped)."""
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def two_accounts(base: Settings) -> dict[str, Settings]:
    """``default`` (``base``, the demo client, serving HARBOR's restaurants with ``base``'s
    keys) and AGENCY (the agency client, its own screen key and admin key, no webhooks),
    as ``load_accounts`` would give them."""
    agency = base.model_copy(update={
        "toast_client_id": AGENCY_CLIENT_ID,
        "toast_client_secret": SecretStr(AGENCY_CLIENT_SECRET),
        "relay_restaurants": RESTAURANTS[AGENCY],
        "relay_api_keys": {AGENCY_KEY: frozenset({"*"})},
        "relay_admin_key": SecretStr(AGENCY_ADMIN),
        "relay_webhook_secret": None})
    return {"default": base.model_copy(update={"relay_restaurants": RESTAURANTS[HARBOR]}),
            AGENCY: agency}
