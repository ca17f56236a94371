"""One Toast account's parts: its token, its budgets, its refresh engine, its state.

Each account of the relay (docs/accounts.md) is built from its own ``Settings`` and
shares only the process-wide parts (the HTTP client, the clock, metrics, the change
feed): one account's 429s, outages or wrong credentials never hold another's
refreshes, and its failures carry its name in the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from app.clock import Clock
from app.config import DEFAULT_ACCOUNT, Settings
from app.logs import account_context
from app.metrics import Metrics
from app.metrics_collectors import AccountGauges
from app.refresh.budget import Budget
from app.refresh.loader import SnapshotLoader
from app.refresh.service import MenuService
from app.serve.history import History
from app.serve.push import ChangeFeed
from app.store.backends import State, local_state, redis_state
from app.store.counters import ClientLimits
from app.toast.client import ToastClient, make_http_client
from app.toast.limiter import UpstreamLimiter
from app.toast.passthrough import PassThrough
from app.toast.token import TokenManager
from app.webhooks.receiver import WebhookReceiver

log = logging.getLogger("toast_relay")


def planned_budget(settings: Settings, limiter: UpstreamLimiter,
                   count: Callable[[], int] = lambda: 0) -> Budget:
    """The account's Toast budget planner, from its intervals and whether webhooks feed it;
    ``count``: how many restaurants it tracks (its menu service's ``count``)."""
    return Budget(limiter.limits, settings.relay_refresh_interval,
                  settings.relay_stock_interval, webhooks=bool(settings.webhook_secrets()),
                  count=count)


def receiver(name: str, settings: Settings, menus: MenuService, clock: Clock,
             state: State) -> WebhookReceiver | None:
    """The account's webhook receiver, None without secrets; a file account's refusals name
    its own endpoint and secrets."""
    secrets = settings.webhook_secrets()
    if not secrets:
        return None
    own = name != DEFAULT_ACCOUNT
    return WebhookReceiver(
        secrets=secrets, sink=menus, clock=clock, seen=state.seen_events(),
        path=f"/webhooks/toast/{name}" if own else "/webhooks/toast",
        setting=f"webhook_secrets of account {name!r}" if own else "RELAY_WEBHOOK_SECRET")


@dataclass
class Account:
    name: str
    settings: Settings
    clock: Clock
    state: State
    limiter: UpstreamLimiter
    tokens: TokenManager
    toast: ToastClient
    menus: MenuService
    budget: Budget
    passthrough: PassThrough
    webhooks: WebhookReceiver | None = None
    own_http: httpx.AsyncClient | None = None
    """Its own HTTP client to Toast, closed with it (None: a shared one)."""
    warming: asyncio.Task[None] | None = None
    """The warm-up of its configured restaurants, while it runs (``start``)."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, name: str, settings: Settings, *, clock: Clock,
              http: httpx.AsyncClient | None, metrics: Metrics, changes: ChangeFeed) -> Account:
        """The account's parts on the state backend its settings choose (Redis keys are
        namespaced by Toast host and client id, files live in its data directory).
        ``http``: a client shared with other accounts; None: its own (closed by ``stop``)."""
        own_http = None if http is not None else make_http_client(settings.toast_timeout)
        http = http or own_http
        assert http is not None
        owner = TokenManager.owner_of(settings)
        state = (redis_state(settings, settings.redis_url.get_secret_value(), clock, owner)
                 if settings.redis_url else local_state(settings, owner))
        limits = ClientLimits()
        limiter = UpstreamLimiter(clock, limits, counter=state.counter(limits)
                                  if state.counter else None)
        tokens = TokenManager.from_settings(settings, http, clock, limiter, store=state.tokens,
                                            on_login=metrics.login_counter(name),
                                            account=None if name == DEFAULT_ACCOUNT else name)
        toast = ToastClient(http=http, base_url=settings.toast_api_url, tokens=tokens,
                            limiter=limiter, clock=clock, observer=metrics.toast_observer(name))
        loader = SnapshotLoader(toast=toast, store=state.snapshots, clock=clock,
                                escape_formulas=settings.relay_csv_escape_formulas)
        budget = planned_budget(settings, limiter)
        data = settings.relay_data_dir
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
                            directory=data / "history" if data else None),
        )
        budget.count = menus.count
        passthrough = PassThrough(toast, clock, settings.relay_passthrough_ttl,
                                  own_menus=menus.menus_body)
        return cls(name, settings, clock, state, limiter, tokens, toast, menus, budget,
                   passthrough, receiver(name, settings, menus, clock, state), own_http)

    def retune(self, settings: Settings) -> None:
        """Take new intervals and webhook secrets in place (a reloaded accounts file): the
        token, limiter and saved copies stay, so no login and no refetch."""
        timing = self.menus.timing
        timing.refresh_interval = settings.relay_refresh_interval
        timing.stock_interval = settings.relay_stock_interval
        self.budget = planned_budget(settings, self.limiter, count=self.menus.count)
        self.menus.intervals = self.budget.intervals
        kept = self.webhooks
        self.webhooks = receiver(self.name, settings, self.menus, self.clock, self.state)
        if kept is not None and self.webhooks is not None:
            self.webhooks.stats = kept.stats  # the counts go on across new secrets
        self.settings = settings

    def gauges(self) -> AccountGauges:
        """What /metrics reads of this account (under its name) when Prometheus scrapes."""
        budget = self.budget
        return AccountGauges(
            self.name, self.tokens.expires_at, self.menus.facts, self.limiter.usage,
            self.limiter.limits, self.limiter.waiting, budget.gauges,
            lambda: budget.current().stretch,
            self.webhooks.stats if self.webhooks is not None else None)

    def start(self) -> None:
        """Start the token refresher, the menu loop, the state's loops and the warm-up of
        the account's restaurants; their log lines name the account."""
        with account_context(self.name):
            self.warming = asyncio.create_task(self.warm(), name=f"{self.name}-warm-up")
            self._tasks = [
                asyncio.create_task(self.tokens.run_refresher(), name=f"{self.name}-token"),
                asyncio.create_task(self.menus.run(), name=f"{self.name}-menus"),
                self.warming,
                *(asyncio.create_task(run(), name=f"{self.name}-state-{n}")
                  for n, run in enumerate(self.state.tasks)),
            ]

    def load_soon(self, guids: list[str]) -> None:
        """Pin and load restaurants newly listed for this account (a reloaded file) in the
        background, as the start-up warm-up does for the listed ones."""
        if not guids:
            return
        with account_context(self.name):
            self._tasks.append(asyncio.create_task(self.menus.warm(guids),
                                                   name=f"{self.name}-warm-more"))

    async def warm(self) -> None:
        """Load the account's configured restaurants (saved copies first, then Toast)."""
        guids = list(dict.fromkeys(self.settings.relay_restaurants.values()))
        if not guids:
            return
        started = self.clock.monotonic()
        await self.menus.warm(guids)
        log.info("warm-up done", extra={
            "restaurants": len(guids), "seconds": round(self.clock.monotonic() - started, 1),
            "toastCallsLast15Min": self.limiter.usage().last_window})

    async def stop(self) -> None:
        """Stop its loops and close what it holds (not the shared HTTP client)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self.state.snapshots.close()
        await self.tokens.close()
        if self.state.redis is not None:
            await self.state.redis.close()
        if self.own_http is not None:
            await self.own_http.aclose()
