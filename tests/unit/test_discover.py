"""Which restaurants credentials reach, asked of the in-process simulator (fake clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr

from app.clock import FakeClock
from app.discover import discover, group_restaurants
from app.sim.app import create_sim_app
from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
    STANDARD_CLIENT_ID,
    STANDARD_CLIENT_SECRET,
)
from app.sim.state import SimState
from app.toast.client import ToastClient
from app.toast.limiter import UpstreamLimiter
from app.toast.login import Credentials
from app.toast.token import TokenManager

BASE = "http://toast.test"
Client = Callable[[str, str], AbstractAsyncContextManager[tuple[ToastClient, SimState]]]


@pytest.fixture
def client() -> Client:
    @asynccontextmanager
    async def opened(client_id: str, secret: str) -> AsyncIterator[tuple[ToastClient, SimState]]:
        clock = FakeClock()
        sim = SimState(clock=clock)
        transport = httpx.ASGITransport(app=create_sim_app(sim))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            limiter = UpstreamLimiter(clock)
            tokens = TokenManager(http=http, base_url=BASE, clock=clock, limiter=limiter,
                                  credentials=Credentials(client_id, SecretStr(secret)))
            yield ToastClient(http=http, base_url=BASE, tokens=tokens, limiter=limiter,
                              clock=clock), sim

    return opened


async def test_partner_client_lists_through_the_partners_api(client: Client) -> None:
    """A partner client's restaurants come from the partners API, with names and locations."""
    async with client(SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET) as (toast, sim):
        found = await discover(toast, [])
    assert found.access == "partner"
    assert [(r.guid, r.label) for r in found.restaurants] == [
        (SAMPLE_RESTAURANT_GUID, "Harbor Lights Kitchen (Old Port)"),
        (SECOND_RESTAURANT_GUID, "Maple Leaf Café (Queen West)")]
    assert sim.counters.calls["partners"] == 1 and sim.counters.calls["login"] == 1


async def test_standard_access_lists_the_group_of_a_known_restaurant(client: Client) -> None:
    """Standard access (partners API 403) lists the management group of one known GUID."""
    async with client(STANDARD_CLIENT_ID, STANDARD_CLIENT_SECRET) as (toast, sim):
        found = await discover(toast, [SECOND_RESTAURANT_GUID])
    assert found.access == "standard" and not found.unreadable
    assert {r.guid for r in found.restaurants} == {SAMPLE_RESTAURANT_GUID,
                                                   SECOND_RESTAURANT_GUID}
    assert sim.counters.calls["groups"] == 1 and sim.counters.calls["login"] == 1


async def test_standard_access_without_a_guid_needs_one(client: Client) -> None:
    """Standard access with nothing known finds nothing and says a GUID is needed."""
    async with client(STANDARD_CLIENT_ID, STANDARD_CLIENT_SECRET) as (toast, _):
        found = await discover(toast, [])
    assert found.access == "standard" and found.needs_guid


async def test_a_restaurant_the_credentials_cannot_read_is_reported(client: Client) -> None:
    """A GUID the credentials may not read (403) is listed as unreadable, not as reached."""
    async with client(STANDARD_CLIENT_ID, STANDARD_CLIENT_SECRET) as (toast, _):
        found = await group_restaurants(toast, [FORBIDDEN_RESTAURANT_GUID])
    assert found.unreadable == (FORBIDDEN_RESTAURANT_GUID,) and not found.restaurants
