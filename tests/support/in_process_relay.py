"""An in-process relay (FastAPI lifespan and all) in front of the in-process simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from app.api.app import create_app, lifespan_of, relay_of
from app.clock import FakeClock
from app.config import Settings, load_settings
from app.relay import Relay
from app.sim.app import create_sim_app
from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
from app.sim.state import SimState

KEY = "screen-key-0123456789abcdef"
ADMIN = "admin-key-0123456789abcdef"
GUID = SAMPLE_RESTAURANT_GUID
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC).timestamp()


@dataclass
class Stack:
    client: httpx.AsyncClient
    """Talks to the relay."""
    sim: httpx.AsyncClient
    """Talks to the simulator (``/_sim/*`` to steer it)."""
    relay: Relay
    clock: FakeClock

    async def toast_calls(self, endpoint: str | None = None) -> int:
        """Calls the simulator has had for ``endpoint`` (all data APIs when None)."""
        calls: dict[str, int] = (await self.sim.get("/_sim/calls")).json()["calls"]
        if endpoint is not None:
            return calls.get(endpoint, 0)
        return sum(n for name, n in calls.items() if name != "login")


Open = Callable[..., AbstractAsyncContextManager[Stack]]


@asynccontextmanager
async def open_relay(accounts: Callable[[Settings], dict[str, Settings]] | None = None,
                     **extra: str | None) -> AsyncIterator[Stack]:
    """A relay on a fake clock, lifespan running (a variable given as None is left unset);
    ``accounts`` makes its accounts from the settings (else the one ``default``)."""
    clock = FakeClock(start=START)
    sim = httpx.AsyncClient(transport=httpx.ASGITransport(
        app=create_sim_app(SimState(clock=clock))), base_url="http://toast.test")
    env = {"TOAST_API_URL": "http://toast.test", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
           "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
           "RELAY_ADMIN_KEY": ADMIN, "RELAY_RESTAURANTS": f'{{"harbor": "{GUID}"}}',
           **extra}
    settings = load_settings({k: v for k, v in env.items() if v is not None})
    app = create_app(settings, clock=clock, http=sim,
                     accounts=accounts(settings) if accounts else None)
    ops = lifespan_of(app)
    async with ops.router.lifespan_context(ops), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://relay") as client:
        yield Stack(client, sim, relay_of(app), clock)
