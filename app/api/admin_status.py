"""What ``GET /admin/status`` answers, account by account, and its documented shape.

The top-level fields are what a single-account relay has always answered: the token,
upstream, budget, state and webhooks of the primary account (of the key's own account
for an account's admin key), and a summary and a page of every restaurant the key may
see. ``accounts`` repeats the per-account parts under each account's name, so an
operator sees which Toast client is failing (docs/accounts.md). An account's admin key
sees only its own account; RELAY_ADMIN_KEY sees all of them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.account import Account
from app.config import ALL_RESTAURANTS
from app.errors import Forbidden
from app.relay import Relay
from app.serve.status import RestaurantFacts, Selection, page, summarise

_GUID = "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"
PROBLEMS_SHOWN = 10
"""Problem restaurants listed per account (``summary.problems`` counts them all)."""


class AccountStatus(BaseModel):
    """One Toast account: its token, readiness, restaurants, budget, state and webhooks."""

    token: dict[str, Any]
    readiness: dict[str, Any]
    summary: dict[str, Any]
    upstream: dict[str, Any]
    budget: dict[str, Any]
    state: dict[str, Any]
    webhooks: dict[str, Any]
    restaurants: int
    """How many restaurants the account tracks."""
    problems: list[dict[str, Any]]
    """Its first restaurants (by GUID, at most ten) that are not ok or whose stock checks
    fail, with the error: what Toast answers this account, at a glance."""


class AdminStatus(BaseModel):
    """Token state (never the token), a summary of the restaurants and one page of them,
    Toast's budget as spent (``upstream``) and as planned (``budget``: the effective
    polling intervals), and the same per account under ``accounts``."""

    token: dict[str, Any]
    readiness: dict[str, Any]
    """What /readyz answers (``status``, ``detail``, ``loginError``, ``restaurants``)."""
    summary: dict[str, Any]
    restaurants: list[dict[str, Any]]
    page: dict[str, Any]
    upstream: dict[str, Any]
    budget: dict[str, Any]
    state: dict[str, Any]
    """Where state lives: ``local``, or ``redis`` with ``up`` and ``degraded``."""
    webhooks: dict[str, Any]
    events: dict[str, Any]
    accounts: dict[str, AccountStatus]
    """Each Toast account the key may see, by name (``default``: the TOAST_* variables')."""


RESTAURANT_EXAMPLE = {
    "restaurant": _GUID, "state": "ok", "name": "Harbor Lights Kitchen",
    "lastUpdated": "2025-02-15T12:30:00.000+0000", "fetchedAt": "2026-11-22T13:35:32Z",
    "checkedAt": "2026-11-22T13:36:32Z", "stale": False, "rows": 64, "lastError": None,
    "stockError": None, "nextCheck": "2026-11-22T13:37:32Z",
    "nextStockCheck": "2026-11-22T13:37:32Z", "pinned": True, "account": "default"}
_TOKEN = {"mode": "machine", "expiresAt": "2026-11-23T13:35:30Z"}
_READINESS = {"status": "ready", "detail": "Toast token valid until 2026-11-23T13:35:30Z",
              "loginError": None, "restaurants": {"total": 1, "servable": 1}}
_SUMMARY = {"total": 1, "ok": 1, "stale": 0, "loading": 0, "unavailable": 0, "problems": 0,
            "stockFailing": 0, "pinned": 1, "rows": 64,
            "oldestCheckedAt": "2026-11-22T13:36:32Z", "maxCheckAgeSeconds": 12.0}
_UPSTREAM = {
    "perSecond": {"used": 3, "limit": 18, "toastLimit": 20},
    "perWindow": {"used": 2410, "limit": 9500, "backgroundLimit": 8500, "toastLimit": 10000,
                  "seconds": 900.0},
    "menusSpacing": 1.05, "throttledTotal": 12, "blocked": {},
    "waiting": {"login": 0, "first_load": 0, "urgent": 0, "background": 4}}
_BUDGET = {
    "restaurants": 500, "webhookFed": 0,
    "configured": {"metadataInterval": 60.0, "stockInterval": 60.0},
    "effective": {"metadataInterval": 120.0, "webhookMetadataInterval": 3600.0,
                  "stockInterval": 120.0, "stretch": 2.0, "plannedCallsPerWindow": 7500.0,
                  "plannedBudgetPerWindow": 7500, "windowSeconds": 900.0}}
_STATE = {"backend": "local", "degraded": False}
_WEBHOOKS = {"enabled": True, "outcomes": {"accepted": 12},
             "restaurants": {_GUID: {"events": 12, "lastEventAt": "2026-11-22T13:30:02Z",
                                     "signatureFailures": 0,
                                     "byType": {"menus_updated": 12}}}}
EXAMPLE = {
    "token": _TOKEN, "readiness": _READINESS, "summary": _SUMMARY,
    "restaurants": [RESTAURANT_EXAMPLE],
    "page": {"offset": 0, "limit": 50, "matching": 1, "state": "all", "next": None},
    "upstream": _UPSTREAM, "budget": _BUDGET, "state": _STATE, "webhooks": _WEBHOOKS,
    "events": {"streams": 3, "maxStreams": 1000, "byRestaurant": {_GUID: 3}},
    "accounts": {"default": {
        "token": _TOKEN, "readiness": _READINESS, "summary": _SUMMARY, "upstream": _UPSTREAM,
        "budget": _BUDGET, "state": _STATE, "webhooks": _WEBHOOKS, "restaurants": 1,
        "problems": []}},
}


def visible(relay: Relay, admin: str) -> dict[str, Account]:
    """The accounts an admin of ``admin`` sees (``*``: every one), by name."""
    if admin == ALL_RESTAURANTS:
        return dict(relay.accounts)
    account = relay.accounts.get(admin)
    if account is None:  # its key outlived it by a moment during a reload
        raise Forbidden(f"account {admin!r} is no longer configured; use RELAY_ADMIN_KEY")
    return {admin: account}


def _webhooks(account: Account) -> dict[str, Any]:
    if account.webhooks is None:
        return {"enabled": False}
    return {"enabled": True, **account.webhooks.stats.status()}


def problems(facts: list[RestaurantFacts]) -> list[dict[str, Any]]:
    """The first ``PROBLEMS_SHOWN`` problem restaurants (by GUID), with their errors."""
    chosen = sorted((f for f in facts if f.is_problem), key=lambda f: f.guid)
    return [{"restaurant": f.guid, "name": f.name, "state": f.state,
             "lastError": f.last_error, "stockError": f.stock_error}
            for f in chosen[:PROBLEMS_SHOWN]]


def account_status(relay: Relay, account: Account, facts: list[RestaurantFacts],
                   now: float) -> dict[str, Any]:
    """One account's part of the answer."""
    return {
        "token": account.tokens.status(),
        "readiness": relay.account_readiness(account).as_json(),
        "summary": summarise(facts, now),
        "upstream": account.limiter.state(),
        "budget": account.budget.status(),
        "state": account.state.status(),
        "webhooks": _webhooks(account),
        "restaurants": len(facts),
        "problems": problems(facts),
    }


def status_answer(relay: Relay, admin: str, *, selection: Selection, offset: int,
                  limit: int) -> dict[str, Any]:
    """The answer of ``GET /admin/status`` for an admin of ``admin`` (``*``: all)."""
    accounts = visible(relay, admin)
    held = {name: account.menus.facts() for name, account in accounts.items()}
    owner = {f.guid: name for name, facts in held.items() for f in facts}
    every = [f for facts in held.values() for f in facts]
    now = relay.clock.now()
    per_account = {name: account_status(relay, account, held[name], now)
                   for name, account in accounts.items()}
    everyone = admin == ALL_RESTAURANTS
    top = per_account[relay.primary.name if everyone else admin]
    shown = page(every, selection=selection, offset=offset, limit=limit, accounts=owner)
    events = relay.changes.status()
    streams = events.get("byRestaurant")
    if not everyone and isinstance(streams, dict):  # other accounts' are not this key's
        events = {**events, "byRestaurant": {g: n for g, n in streams.items()
                                             if relay.keys.manages(admin, g)}}
    return {
        "token": top["token"],
        "readiness": relay.readiness().as_json() if everyone else top["readiness"],
        "summary": summarise(every, now),
        "restaurants": shown.entries,
        "page": shown.as_json("/admin/status", selection),
        "upstream": top["upstream"],
        "budget": top["budget"],
        "state": top["state"],
        "webhooks": top["webhooks"],
        "events": events,
        "accounts": per_account,
    }
