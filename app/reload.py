"""Re-reading RELAY_ACCOUNTS_FILE while the relay runs (SIGHUP, ``POST /admin/reload``).

Accounts are added, removed or changed without a restart, and nothing is served blank
meanwhile: a new or changed account is built and warmed beside the running ones, and
only then do requests go to it (a changed account's old parts serve until that moment;
docs/accounts.md, reloading). A file that does not validate changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from app.account import Account
from app.config import Settings, load_accounts
from app.errors import ConfigError
from app.relay import Relay, key_ring

log = logging.getLogger("toast_relay")

WARM_WAIT = 30.0
"""Longest a reload waits for new accounts' warm-ups before sending requests to them."""
KEY_FIELDS = frozenset({"relay_api_keys", "relay_admin_key", "relay_restaurants"})
"""What a running account takes over as it is (keys and restaurants)."""
TUNED_FIELDS = frozenset({"relay_refresh_interval", "relay_stock_interval",
                          "relay_webhook_secret"})
"""What a running account takes over in place (``Account.retune``): its token, limiter and
copies stay. Anything else (credentials, the Toast host) builds the account anew."""


@dataclass
class Reloaded:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed,
                "unchanged": self.unchanged}


def same_parts(old: Settings, new: Settings) -> bool:
    """Whether ``new`` runs on ``old``'s parts: only keys, restaurants, intervals or
    webhook secrets differ."""
    kept = set(KEY_FIELDS | TUNED_FIELDS)
    return old.model_dump(exclude=kept) == new.model_dump(exclude=kept)


def retuned(old: Settings, new: Settings) -> bool:
    """Whether ``new`` changes intervals or webhook secrets."""
    return (old.model_dump(include=set(TUNED_FIELDS))
            != new.model_dump(include=set(TUNED_FIELDS)))


class Reloader:
    def __init__(self, relay: Relay, warm_wait: float = WARM_WAIT) -> None:
        self.relay = relay
        self.warm_wait = warm_wait
        self._lock = asyncio.Lock()

    async def reload(self) -> Reloaded:
        """Apply the accounts file as it is now; ConfigError (nothing changed) when it
        does not validate."""
        async with self._lock:
            relay = self.relay
            configured = load_accounts(relay.settings)
            done = Reloaded(removed=[n for n in relay.accounts if n not in configured])
            running: dict[str, Account] = {}
            fresh: list[Account] = []
            unlisted: list[tuple[Account, set[str]]] = []
            for name, settings in configured.items():
                old = relay.accounts.get(name)
                if old is not None and same_parts(old.settings, settings):
                    (done.unchanged if old.settings == settings else done.changed).append(name)
                    listed = set(old.settings.relay_restaurants.values())
                    if retuned(old.settings, settings):
                        old.retune(settings)
                    old.settings = settings
                    now_listed = set(settings.relay_restaurants.values())
                    old.load_soon([g for g in now_listed if g not in listed])
                    unlisted.append((old, listed - now_listed))
                    running[name] = old
                    continue
                (done.changed if old is not None else done.added).append(name)
                account = running[name] = Account.build(
                    name, settings, clock=relay.clock, http=relay.http, metrics=relay.metrics,
                    changes=relay.changes)
                account.start()
                fresh.append(account)
            await self._warmed(fresh)
            relay.keys.replace(key_ring(relay.settings, configured))
            relay.menus.replace({n: a.menus for n, a in running.items()})
            retired = [a for n, a in relay.accounts.items() if running.get(n) is not a]
            relay.accounts = running
            for account, guids in unlisted:  # no longer routed to it: stop polling them
                account.menus.drop(guids)
            for account in retired:
                await account.stop()
            log.info("accounts reloaded", extra=done.as_json())
            return done

    async def _warmed(self, accounts: list[Account]) -> None:
        """Until the new accounts' configured restaurants are loaded (at most ``warm_wait``)."""
        waits = [a.warming for a in accounts if a.warming is not None]
        if not waits:
            return
        _, pending = await asyncio.wait(waits, timeout=self.warm_wait)
        for task in pending:
            log.warning("accounts reload: warm-up still running, serving the account now",
                        extra={"task": task.get_name()})

    async def on_signal(self) -> None:
        """SIGHUP: reload, and log (not raise) a file that does not validate."""
        try:
            await self.reload()
        except ConfigError as exc:
            log.error("accounts file not reloaded: %s", exc.detail)
