"""Fixtures for the Toast client-side tests (helpers live in tests/support/toast_fakes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.toast_fakes import FakeAuth, RecordingClock


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
def auth(clock: RecordingClock) -> FakeAuth:
    return FakeAuth(clock)


@pytest.fixture
async def http(auth: FakeAuth) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(auth)) as client:
        yield client
