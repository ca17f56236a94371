"""Fixtures for simulator tests: a FakeClock-driven SimState behind httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.clock import FakeClock
from app.sim.app import create_sim_app
from app.sim.state import SimState
from tests.support.sim_auth import CREDENTIALS, LOGIN


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> SimState:
    return SimState(clock=clock)


@pytest.fixture
async def client(state: SimState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_sim_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as c:
        yield c


@pytest.fixture
async def token(client: httpx.AsyncClient) -> str:
    response = await client.post(LOGIN, json=CREDENTIALS)
    assert response.status_code == 200
    return str(response.json()["token"]["accessToken"])

