"""The relay's parts, wired once per process from settings (the composition root)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import httpx

from app.access import KeyRing
from app.account import Account
from app.board.fetch import Fetcher
from app.board.images import ImageStore
from app.clock import Clock, SystemClock
from app.config import DEFAULT_ACCOUNT, Settings, load_accounts
from app.console.gate import Gate
from app.console.sessions import Sessions
from app.errors import RelayError
from app.heap import hold_mmap_threshold
from app.loopwatch import GcWatch, LoopWatch
from app.metrics import Metrics
from app.metrics_collectors import (
    AccountGauges,
    BudgetCollector,
    ReadinessCollector,
    StateCollector,
    WebhookCollector,
)
from app.readiness import Readiness, combined, readiness
from app.refresh.desk import MenuDesk
from app.screens.book import ScreenBook
from app.serve.push import ChangeFeed
from app.store.backends import Shared, shared_state
from app.store.screens import MemoryScreens, Stored
from app.store.session_secret import SecretSource

log = logging.getLogger("toast_relay")


def image_store(settings: Settings, clock: Clock) -> ImageStore:
    """Item images, fetched with their own client: no redirects followed by httpx, no
    proxy settings from the environment (every hop's address is checked by hand)."""
    http = httpx.AsyncClient(timeout=10.0, follow_redirects=False, trust_env=False,
                             headers={"User-Agent": "toast-relay"})
    data = settings.relay_data_dir
    return ImageStore(Fetcher(http, allow_private=settings.relay_image_allow_private),
                      clock=clock, directory=data / "images" if data else None,
                      close=http.aclose)


def console_gate(settings: Settings, keys: KeyRing, state: Shared, clock: Clock) -> Gate:
    """Every admin key in ``keys`` signs in (to its account). The console's sessions live
    where the shared state does (``state.sessions``, chosen in app/store/backends.py),
    signed with a secret kept there too."""
    configured = settings.relay_session_secret
    secret = SecretSource(configured.get_secret_value().encode() if configured else None,
                          redis=state.redis, directory=settings.relay_data_dir)
    return Gate(keys, Sessions(state.sessions, clock, secret), clock, state.redis)


def key_ring(base: Settings, accounts: dict[str, Settings]) -> KeyRing:
    """Every account's screen keys, restaurants and admin key; RELAY_ADMIN_KEY sees all."""
    return KeyRing.of_accounts(
        {name: (s.relay_api_keys, s.relay_restaurants, s.relay_admin_key)
         for name, s in accounts.items()}, base.relay_admin_key)


@dataclass
class Relay:
    settings: Settings
    """The relay-wide settings (and the ``default`` account's, when TOAST_* name one)."""
    clock: Clock
    http: httpx.AsyncClient | None
    """The HTTP client to Toast every account shares when one was passed in (tests); None:
    each account has its own, so one account's slow Toast never holds another's
    connections."""
    accounts: dict[str, Account]
    """Each Toast account's parts, by name (docs/accounts.md); ``default`` first."""
    keys: KeyRing
    menus: MenuDesk
    metrics: Metrics
    shared: Shared
    images: ImageStore
    changes: ChangeFeed = field(default_factory=ChangeFeed)
    screens: ScreenBook = field(default_factory=lambda: ScreenBook(MemoryScreens(),
                                                                   SystemClock()))
    """The stored screens (``build`` connects them to the state backend and the push)."""
    console: Gate | None = None
    """The admin console's sign-in and sessions (``build`` makes it)."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _gc_watch: GcWatch | None = None

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Clock | None = None,
        http: httpx.AsyncClient | None = None, metrics: Metrics | None = None,
        accounts: dict[str, Settings] | None = None,
    ) -> Relay:
        """``accounts``: each account's settings (``load_accounts``; read from
        RELAY_ACCOUNTS_FILE here when not given)."""
        clock = clock or SystemClock()
        metrics = metrics or Metrics()
        configured = accounts if accounts is not None else load_accounts(settings)
        changes = ChangeFeed(settings.relay_events_max_connections,
                             heartbeat=settings.relay_events_heartbeat, clock=clock)
        built = {name: Account.build(name, s, clock=clock, http=http, metrics=metrics,
                                     changes=changes) for name, s in configured.items()}
        default = built.get(DEFAULT_ACCOUNT)
        shared = shared_state(settings, default.state if default is not None else None)
        keys = key_ring(settings, configured)
        menus = MenuDesk({name: a.menus for name, a in built.items()}, keys.account_of)
        relay = cls(settings, clock, http, built, keys, menus, metrics, shared,
                    image_store(settings, clock), changes)
        relay.watch_metrics()
        relay.screens = ScreenBook(shared.screens, clock, relay.screen_changed)
        relay.console = console_gate(settings, keys, shared, clock)
        return relay

    def watch_metrics(self) -> None:
        """Collectors reading the accounts when Prometheus scrapes (those of that moment:
        a reload adds and removes accounts)."""
        def accounts() -> list[AccountGauges]:
            return [account.gauges() for account in self.accounts.values()]

        self.metrics.watch(StateCollector(accounts, self.clock.now,
                                          self.settings.relay_metrics_restaurants))
        self.metrics.watch(BudgetCollector(accounts))
        self.metrics.watch(WebhookCollector(accounts))
        self.metrics.watch(ReadinessCollector(
            self.readiness, lambda: (self.changes.subscribers, self.changes.max_subscribers)))

    # --- the accounts -----------------------------------------------------------------

    @property
    def primary(self) -> Account:
        """The first account: ``default`` when TOAST_* name one (the only one without
        RELAY_ACCOUNTS_FILE)."""
        return next(iter(self.accounts.values()))

    def account_of(self, guid: str) -> Account:
        """The account serving restaurant ``guid`` (404 when none does)."""
        return self.accounts[self.keys.account_of(guid)]

    def screen_changed(self, old: Stored | None, new: Stored | None) -> None:
        """Tell the boards that may show a changed screen to look again (``/events``).

        The push is per restaurant: every board of it asks once with its ETag, and only
        those of this screen get new content (the others a 304)."""
        guids: set[str] = set()
        for stored in (old, new):
            if stored is None:
                continue
            ref = stored.screen.restaurant
            if ref is None:  # chain-wide: every restaurant this replica holds
                guids.update(self.menus.known())
                continue
            try:
                guids.add(self.keys.resolve(ref))
            except RelayError:
                continue  # an alias no longer configured: no board can show it
        changed = new or old
        if changed is None:
            return
        version = f"{new.version}" if new is not None else "deleted"
        for guid in guids:
            self.changes.publish(guid, f'"screen-{changed.name}-{version}"')

    def readiness(self) -> Readiness:
        """Can screens be served, account by account (``app.readiness.combined``)."""
        return combined({name: self.account_readiness(a) for name, a in self.accounts.items()})

    def account_readiness(self, account: Account) -> Readiness:
        """An account can serve with a token held or obtainable, or a servable copy of every
        restaurant it serves (the configured ones, else those screens asked for)."""
        ok, detail = account.tokens.ready()
        error = account.tokens.status()["error"]
        return readiness(
            token_ok=ok, token_detail=detail,
            login_error=error if isinstance(error, str) else None,
            restaurants=list(account.settings.relay_restaurants.values())
            or account.menus.known(),
            can_serve=account.menus.can_serve,
            shared_store_down=bool(account.state.status()["degraded"]))

    async def start(self) -> None:
        """Read the screens; start each account (token refresher, menu loop, warm-up) and
        the screens' watch."""
        hold_mmap_threshold()  # before the warm-up's answers arrive (see app/heap.py)
        await self.screens.load()
        for account in self.accounts.values():
            account.start()
        self._tasks = [
            asyncio.create_task(self.screens.watch(), name="screens-watch"),
            # Real time on purpose: it measures how long the loop was held, not the clock.
            asyncio.create_task(LoopWatch(self.metrics.observe_loop_lag,
                                          sleep=asyncio.sleep).run(), name="loop-watch"),
        ]
        self._gc_watch = GcWatch(self.metrics.observe_gc)
        self._gc_watch.start()

    async def stop(self) -> None:
        self.changes.close_all()  # and the heartbeat wheel with them
        if self._gc_watch is not None:
            self._gc_watch.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for account in self.accounts.values():
            await account.stop()
        await self.images.close()
        if self.shared.redis is not None and DEFAULT_ACCOUNT not in self.accounts:
            await self.shared.redis.close()
        if self.http is not None:
            await self.http.aclose()
