"""Fixtures of the API tests: an in-process relay in front of the in-process simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.in_process_relay import Open, Stack
from tests.support.in_process_relay import open_relay as _open_relay


@pytest.fixture
def open_relay() -> Open:
    """``async with open_relay(**env) as stack``: a relay on a fake clock, lifespan running
    (a variable given as None is left unset)."""
    return _open_relay


@pytest.fixture
async def stack(open_relay: Open) -> AsyncIterator[Stack]:
    async with open_relay() as opened:
        yield opened


@pytest.fixture
def relay(stack: Stack) -> httpx.AsyncClient:
    return stack.client
