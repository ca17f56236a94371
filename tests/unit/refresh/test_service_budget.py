"""The menu service within Toast's budget: first-load waits, priorities, effective intervals."""

from __future__ import annotations

import asyncio

import pytest

from app.errors import NotReady
from app.refresh.decide import Intervals
from app.toast.limiter import Priority
from tests.support.service_rig import GUID, Rig


async def test_a_screen_gets_503_with_retry_after_instead_of_hanging(rig: Rig) -> None:
    """A first load slower than RELAY_FIRST_LOAD_WAIT answers NotReady with Retry-After, and
    the load goes on: once done, the next request is served."""
    await rig.fault(endpoint="menus", mode="slow", delay=30, count=1)
    menus = rig.relay.primary.menus
    asking = asyncio.create_task(menus.view(GUID))
    await rig.clock.advance(0)  # the request starts waiting at t = 0
    await rig.clock.advance(menus.first_load_wait)
    with pytest.raises(NotReady) as exc:
        await asking
    assert exc.value.headers()["Retry-After"].isdigit()
    assert "still loading" in exc.value.detail
    await rig.clock.advance(30)
    view, result = await menus.view(GUID)
    assert result == "HIT" and view.rows


async def test_a_screen_moves_a_background_load_ahead(rig: Rig) -> None:
    """A screen asking for a restaurant being warmed up boosts its load to FIRST_LOAD, and the
    boost ends with the load."""
    limiter = rig.relay.primary.limiter
    boosted: list[tuple[str, Priority]] = []
    original = limiter.boost

    def spy(restaurant: str, priority: Priority) -> None:
        boosted.append((restaurant, priority))
        original(restaurant, priority)

    limiter.boost = spy  # type: ignore[method-assign]  # a spy on one call
    await rig.fault(endpoint="menus", mode="slow", delay=2, count=1)
    warming = asyncio.create_task(rig.relay.primary.menus.warm([GUID]))
    await rig.clock.advance(0)
    asking = asyncio.create_task(rig.relay.primary.menus.view(GUID))
    await rig.clock.advance(3)
    assert (await asking)[0].rows and warming.done()
    assert boosted == [(GUID, Priority.FIRST_LOAD)]
    assert limiter._boosts == {}


async def test_intervals_come_from_the_budget(rig: Rig) -> None:
    """The menu service schedules with the budget's effective intervals (60 s for one)."""
    await rig.relay.primary.menus.view(GUID)
    assert rig.relay.primary.menus.intervals(GUID) == Intervals(60, 60)
    assert rig.relay.primary.budget.status()["restaurants"] == 1
