"""Fixtures of the menu service tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.service_rig import Rig, open_rig


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    """Relay + in-process simulator on one fake clock."""
    async with open_rig() as opened:
        yield opened
