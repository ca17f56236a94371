"""The menu service against the in-process simulator on one fake clock: the ``Rig``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from app.clock import FakeClock, parse_iso
from app.config import load_settings
from app.relay import Relay
from app.sim.app import create_sim_app
from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
from app.sim.state import SimState

GUID = SAMPLE_RESTAURANT_GUID
KEY = "screen-key-0123456789abcdef"
# A Tuesday, 12:00 in New York: lunch is on.
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC).timestamp()


@dataclass
class Rig:
    """The relay and the in-process simulator it calls, on one fake clock."""

    clock: FakeClock
    sim: httpx.AsyncClient
    relay: Relay

    async def calls(self, endpoint: str) -> int:
        data = (await self.sim.get("/_sim/calls")).json()
        return int(data["by_restaurant"].get(GUID, {}).get(endpoint, 0))

    async def fault(self, **body: object) -> None:
        (await self.sim.post("/_sim/fault", json=body)).raise_for_status()

    async def check_now(self) -> None:
        """Make every check due, start them, and let them finish on the fake clock."""
        await self.clock.advance(self.relay.settings.relay_refresh_interval)
        self.relay.menus.tick()
        for _ in range(40):  # let retries back off and finish on the fake clock
            await self.clock.advance(1)


def settings_env(**extra: str) -> dict[str, str]:
    return {"TOAST_API_URL": "http://toast.test", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
            "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
            "RELAY_REFRESH_INTERVAL": "60", "RELAY_STOCK_INTERVAL": "60", **extra}


@asynccontextmanager
async def open_rig() -> AsyncIterator[Rig]:
    """A relay (not started: tests tick it) and the simulator, on one fake clock at START."""
    clock = FakeClock(start=START)
    sim_app = create_sim_app(SimState(clock=clock))
    transport = httpx.ASGITransport(app=sim_app)
    http = httpx.AsyncClient(transport=transport, base_url="http://toast.test")
    relay = Relay.build(load_settings(settings_env(RELAY_STALE_MAX="1d")), clock=clock,
                        http=http)
    async with httpx.AsyncClient(transport=transport, base_url="http://toast.test") as sim:
        yield Rig(clock, sim, relay)
    await http.aclose()


async def run(r: Rig, seconds: int) -> None:
    """Let the loop tick for ``seconds`` of fake time."""
    for _ in range(seconds * 4):
        r.relay.menus.tick()
        await r.clock.advance(0.25)


async def publish(r: Rig, **body: object) -> float:
    """Publish the sample restaurant in the simulator; Toast's new lastUpdated (UNIX s)."""
    resp = await r.sim.post(f"/_sim/publish/{GUID}", json=body)
    resp.raise_for_status()
    published = parse_iso(resp.json()["lastUpdated"])
    assert published is not None
    return published
