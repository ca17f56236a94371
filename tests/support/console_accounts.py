"""A relay serving two Toast accounts in process, for the console's account tests: the
demo client as ``default`` and the simulator's agency client as ``agency``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from pydantic import SecretStr

from app.api.app import create_app, lifespan_of, relay_of
from app.clock import FakeClock
from app.config import load_settings
from app.sim.app import create_sim_app
from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
)
from app.sim.state import SimState
from tests.support.in_process_relay import ADMIN, KEY, START, Stack

AGENCY_ADMIN = "agency-admin-key-0123456789"
AGENCY_KEY = "agency-screen-key-0123456789"
ORIGIN = "http://relay.test"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def two_accounts(demo_keys: dict[str, str] | None = None) -> AsyncIterator[Stack]:
    """``default`` (harbor; RELAY_ADMIN_KEY and screen key ``KEY``) and ``agency``
    (taqueria, bakery; its own admin key and screen key) on a fake clock; ``demo_keys`` as
    ``toast-relay demo`` passes it (the landing page links boards with it)."""
    clock = FakeClock(start=START)
    sim = httpx.AsyncClient(transport=httpx.ASGITransport(
        app=create_sim_app(SimState(clock=clock))), base_url="http://toast.test")
    base = load_settings({
        "TOAST_API_URL": "http://toast.test", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
        "RELAY_ADMIN_KEY": ADMIN,
        "RELAY_RESTAURANTS": f'{{"harbor": "{SAMPLE_RESTAURANT_GUID}"}}'})
    agency = base.model_copy(update={
        "toast_client_id": AGENCY_CLIENT_ID,
        "toast_client_secret": SecretStr(AGENCY_CLIENT_SECRET),
        "relay_restaurants": {"taqueria": AGENCY_TAQUERIA_GUID, "bakery": AGENCY_BAKERY_GUID},
        "relay_api_keys": {AGENCY_KEY: frozenset({"*"})},
        "relay_admin_key": SecretStr(AGENCY_ADMIN)})
    app = create_app(base, clock=clock, http=sim, demo_keys=demo_keys,
                     accounts={"default": base, "agency": agency})
    ops = lifespan_of(app)
    async with ops.router.lifespan_context(ops), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        yield Stack(client, sim, relay_of(app), clock)


async def console_sign_in(client: httpx.AsyncClient, key: str) -> str:
    """Sign ``client`` in with ``key`` as the console's own page would; the CSRF token."""
    answer = await client.post("/admin/sign-in", data={"key": key},
                               headers={"Origin": ORIGIN})
    assert answer.status_code == 303, answer.text
    found = _CSRF.search((await client.get("/admin/")).text)
    assert found, "no CSRF token on the overview"
    return found.group(1)
