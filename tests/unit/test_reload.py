"""Reloading the accounts file: what a running account takes over in place, what rebuilds it."""

from __future__ import annotations

from pathlib import Path

from app.account import Account
from app.clock import FakeClock
from app.config import load_accounts
from app.metrics import Metrics
from app.reload import Reloader, retuned, same_parts
from app.serve.push import ChangeFeed
from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SECOND_RESTAURANT_GUID,
)
from tests.support.accounts_files import accounts_of, harbor, write_accounts
from tests.support.in_process_relay import open_relay


def test_keys_and_restaurants_change_in_place(tmp_path: Path) -> None:
    """New screen keys, admin key or restaurants keep the account's parts, untuned."""
    old = accounts_of(tmp_path, {"harbor": harbor()})["harbor"]
    new = accounts_of(tmp_path, {"harbor": harbor(screen_keys=["another-screen-key-01"],
                                                  admin_key="harbor-admin-key-00001",
                                                  restaurants=[harbor()["restaurants"]
                                                               ["harbor"]])})["harbor"]
    assert same_parts(old, new) and not retuned(old, new)


def test_intervals_and_webhook_secrets_are_tuned_in_place(tmp_path: Path) -> None:
    """Intervals and webhook secrets keep the parts but retune them."""
    old = accounts_of(tmp_path, {"harbor": harbor()})["harbor"]
    for change in ({"refresh_interval": 300}, {"stock_interval": "2m"},
                   {"webhook_secrets": ["menus-subscription-secret"]}):
        new = accounts_of(tmp_path, {"harbor": harbor(**change)})["harbor"]
        assert same_parts(old, new) and retuned(old, new), change


def test_new_credentials_or_host_rebuild_the_account(tmp_path: Path) -> None:
    """Another client id, secret, host or login mode builds the account anew."""
    old = accounts_of(tmp_path, {"harbor": harbor()})["harbor"]
    for change in ({"client_id": "harbor-client-2"}, {"client_secret": "rotated-secret-1"},
                   {"api_url": "https://ws-sandbox-api.eng.toasttab.com"},
                   {"auth_mode": "legacy"}):
        new = accounts_of(tmp_path, {"harbor": harbor(**change)})["harbor"]
        assert not same_parts(old, new), change


async def test_retune_takes_intervals_and_webhooks_without_a_new_token(tmp_path: Path) -> None:
    """``Account.retune``: the new intervals plan the refreshes and the webhook receiver
    checks the new secrets; the token manager and limiter are the same objects."""
    old = accounts_of(tmp_path, {"harbor": harbor()})["harbor"]
    new = accounts_of(tmp_path, {"harbor": harbor(refresh_interval=300, stock_interval=600,
                                                  webhook_secrets=["menus-secret-0001"])}
                      )["harbor"]
    account = Account.build("harbor", old, clock=FakeClock(), http=None, metrics=Metrics(),
                            changes=ChangeFeed())
    tokens, limiter = account.tokens, account.limiter
    assert account.webhooks is None
    account.retune(new)
    try:
        assert (account.tokens, account.limiter) == (tokens, limiter)
        assert account.menus.intervals("any").refresh == 300
        assert account.budget.stock_interval == 600
        assert account.webhooks is not None and account.settings is new
        stats = account.webhooks.stats
        account.retune(accounts_of(tmp_path, {"harbor": harbor(
            webhook_secrets=["menus-secret-0002"])})["harbor"])
        assert account.webhooks.stats is stats  # the counts go on
    finally:
        await account.stop()


async def test_restaurants_newly_listed_by_a_reload_are_pinned_and_loaded() -> None:
    """``Account.load_soon``: a restaurant a reloaded file adds to a running account is
    loaded in the background and always polled, like one listed at start-up."""
    async with open_relay() as stack:
        account = stack.relay.primary
        account.load_soon([SECOND_RESTAURANT_GUID])
        for _ in range(50):
            tracked = account.menus._tracked.get(SECOND_RESTAURANT_GUID)
            if tracked is not None and tracked.view is not None:
                break
            await stack.clock.advance(0.1)
        assert tracked is not None and tracked.view is not None and tracked.state.pinned


async def test_a_reload_moves_a_running_accounts_restaurants(tmp_path: Path) -> None:
    """A restaurant a reload takes off a running account is no longer polled by it, and
    one it adds is pinned and loaded; the account itself keeps running (same token)."""
    def other(guid: str) -> Path:
        return write_accounts(tmp_path, {"other": {
            "api_url": "http://toast.test", "client_id": AGENCY_CLIENT_ID,
            "client_secret": AGENCY_CLIENT_SECRET, "restaurants": [guid],
            "screen_keys": ["other-screen-key-000001"]}})

    path = other(AGENCY_TAQUERIA_GUID)
    async with open_relay(accounts=load_accounts, RELAY_ACCOUNTS_FILE=str(path)) as stack:
        account = stack.relay.accounts["other"]
        tokens = account.tokens
        for _ in range(50):
            if account.menus.current(AGENCY_TAQUERIA_GUID) is not None:
                break
            await stack.clock.advance(0.1)
        other(AGENCY_BAKERY_GUID)
        done = await Reloader(stack.relay).reload()
        assert done.changed == ["other"] and stack.relay.accounts["other"] is account
        assert account.tokens is tokens
        assert AGENCY_TAQUERIA_GUID not in account.menus.known()
        for _ in range(50):  # the newly listed one loads in the background
            if account.menus.current(AGENCY_BAKERY_GUID) is not None:
                break
            await stack.clock.advance(0.1)
        assert account.menus.current(AGENCY_BAKERY_GUID) is not None
