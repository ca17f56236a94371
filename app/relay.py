"""The relay's parts, wired once per process from settings (the composition root)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import httpx

from app.access import KeyRing
from app.board.fetch import Fetcher
from app.board.images import ImageStore
from app.clock import Clock, SystemClock
from app.config import Settings
from app.console.gate import Gate
from app.console.sessions import Sessions
from app.errors import RelayError
from app.heap import hold_mmap_threshold
from app.loopwatch import GcWatch, LoopWatch
from app.metrics import Metrics
from app.metrics_collectors import (
    BudgetCollector,
    ReadinessCollector,
    StateCollector,
    WebhookCollector,
)
from app.readiness import Readiness, readiness
from app.refresh.budget import Budget
from app.refresh.loader import SnapshotLoader
from app.refresh.service import MenuService
from app.screens.book import ScreenBook
from app.serve.history import History
from app.serve.push import ChangeFeed
from app.store.backends import State, local_state, redis_state
from app.store.counters import ClientLimits
from app.store.screens import MemoryScreens, Stored
from app.store.session_secret import SecretSource
from app.store.snapshots import SnapshotStore
from app.toast.client import ToastClient, make_http_client
from app.toast.limiter import UpstreamLimiter
from app.toast.passthrough import PassThrough
from app.toast.token import TokenManager
from app.webhooks.receiver import WebhookReceiver

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


def console_gate(settings: Settings, state: State, clock: Clock) -> Gate:
    """The console's sessions live where the rest of the state does (``state.sessions``,
    chosen in app/store/backends.py), signed with a secret kept there too."""
    configured = settings.relay_session_secret
    secret = SecretSource(configured.get_secret_value().encode() if configured else None,
                          redis=state.redis, directory=settings.relay_data_dir)
    return Gate(settings.relay_admin_key, Sessions(state.sessions, clock, secret), clock,
                state.redis)


@dataclass
class Relay:
    settings: Settings
    clock: Clock
    http: httpx.AsyncClient
    tokens: TokenManager
    limiter: UpstreamLimiter
    toast: ToastClient
    store: SnapshotStore
    menus: MenuService
    keys: KeyRing
    metrics: Metrics
    state: State
    passthrough: PassThrough
    budget: Budget
    images: ImageStore
    changes: ChangeFeed = field(default_factory=ChangeFeed)
    webhooks: WebhookReceiver | None = None
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
    ) -> Relay:
        clock = clock or SystemClock()
        http = http or make_http_client(settings.toast_timeout)
        metrics = metrics or Metrics()
        # Chosen once: without REDIS_URL nothing changes (one process, RELAY_DATA_DIR).
        owner = TokenManager.owner_of(settings)
        state = (redis_state(settings, settings.redis_url.get_secret_value(), clock, owner)
                 if settings.redis_url else local_state(settings, owner))
        limits = ClientLimits()
        limiter = UpstreamLimiter(clock, limits, counter=state.counter(limits)
                                  if state.counter else None)
        tokens = TokenManager.from_settings(settings, http, clock, limiter, store=state.tokens,
                                            on_login=metrics.count_login)
        toast = ToastClient(http=http, base_url=settings.toast_api_url, tokens=tokens,
                            limiter=limiter, clock=clock, observer=metrics.observe_toast)
        loader = SnapshotLoader(toast=toast, store=state.snapshots, clock=clock,
                                escape_formulas=settings.relay_csv_escape_formulas)
        changes = ChangeFeed(settings.relay_events_max_connections,
                             heartbeat=settings.relay_events_heartbeat, clock=clock)
        budget = Budget(limiter.limits, settings.relay_refresh_interval,
                        settings.relay_stock_interval,
                        webhooks=bool(settings.webhook_secrets()))
        menus = MenuService(
            loader=loader, clock=clock,
            refresh_interval=settings.relay_refresh_interval,
            stock_interval=settings.relay_stock_interval,
            stale_max=settings.relay_stale_max,
            idle_after=settings.relay_idle_after,
            not_found_ttl=settings.relay_not_found_ttl, intervals=budget.intervals,
            limiter=limiter, first_load_wait=settings.relay_first_load_wait,
            changes=changes, lease=state.lease, notifier=state.notifier,
            history=History(size=settings.relay_history_size,
                            directory=settings.relay_data_dir / "history"
                            if settings.relay_data_dir else None),
        )
        budget.count = menus.count
        keys = KeyRing(settings.relay_api_keys, settings.relay_restaurants)
        metrics.watch(StateCollector(tokens.expires_at, menus.facts, clock.now,
                                    settings.relay_metrics_restaurants))
        metrics.watch(BudgetCollector(limiter.usage, limiter.limits, limiter.waiting,
                                      budget.gauges, lambda: budget.current().stretch))
        passthrough = PassThrough(toast, clock, settings.relay_passthrough_ttl,
                                  own_menus=menus.menus_body)
        secrets = settings.webhook_secrets()
        webhooks = (WebhookReceiver(secrets=secrets, sink=menus, clock=clock,
                                    seen=state.seen_events()) if secrets else None)
        if webhooks is not None:
            metrics.watch(WebhookCollector(webhooks.stats))
        relay = cls(settings, clock, http, tokens, limiter, toast, state.snapshots, menus, keys,
                    metrics, state, passthrough, budget, image_store(settings, clock),
                    changes, webhooks)
        metrics.watch(ReadinessCollector(
            relay.readiness, lambda: (changes.subscribers, changes.max_subscribers)))
        relay.screens = ScreenBook(state.screens, clock, relay.screen_changed)
        relay.console = console_gate(settings, state, clock)
        return relay

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
        """Can screens be served: a token held or obtainable, or a servable copy of every
        restaurant served (the configured ones, else those screens asked for)?"""
        ok, detail = self.tokens.ready()
        error = self.tokens.status()["error"]
        return readiness(
            token_ok=ok, token_detail=detail,
            login_error=error if isinstance(error, str) else None,
            restaurants=list(self.settings.relay_restaurants.values()) or self.menus.known(),
            can_serve=self.menus.can_serve,
            shared_store_down=bool(self.state.status()["degraded"]))

    async def start(self) -> None:
        """Read the screens; start the token refresher, the menu loop and the screens'
        watch; warm configured restaurants."""
        hold_mmap_threshold()  # before the warm-up's answers arrive (see app/heap.py)
        await self.screens.load()
        self._tasks = [
            asyncio.create_task(self.screens.watch(), name="screens-watch"),
            asyncio.create_task(self.tokens.run_refresher(), name="token-refresher"),
            asyncio.create_task(self.menus.run(), name="menu-refresher"),
            asyncio.create_task(self._warm(), name="warm-up"),
            *(asyncio.create_task(run(), name=f"state-{n}")
              for n, run in enumerate(self.state.tasks)),
            # Real time on purpose: it measures how long the loop was held, not the clock.
            asyncio.create_task(LoopWatch(self.metrics.observe_loop_lag,
                                          sleep=asyncio.sleep).run(), name="loop-watch"),
        ]
        self._gc_watch = GcWatch(self.metrics.observe_gc)
        self._gc_watch.start()

    async def _warm(self) -> None:
        guids = list(dict.fromkeys(self.settings.relay_restaurants.values()))
        if guids:
            started = self.clock.monotonic()
            await self.menus.warm(guids)
            used = self.limiter.usage()
            log.info("warm-up done", extra={
                "restaurants": len(guids), "seconds": round(self.clock.monotonic() - started, 1),
                "toastCallsLast15Min": used.last_window})

    async def stop(self) -> None:
        self.changes.close_all()  # and the heartbeat wheel with them
        if self._gc_watch is not None:
            self._gc_watch.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.store.close()
        await self.images.close()
        await self.tokens.close()
        if self.state.redis is not None:
            await self.state.redis.close()
        await self.http.aclose()
