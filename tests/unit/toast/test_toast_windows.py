"""Sliding-window counting of sends (the budget replicas can share), on a fake clock."""

from __future__ import annotations

import pytest

from app.clock import FakeClock
from app.toast.windows import LocalWindows

PER_SECOND = [(2, 1.0), (3, 900.0)]


async def test_counts_until_a_window_is_full_then_says_how_long_to_wait() -> None:
    """Sends are counted until a window is full; then the wait is until the oldest leaves."""
    clock = FakeClock()
    w = LocalWindows(clock)
    assert await w.take("c", PER_SECOND) == 0.0
    await clock.advance(0.25)
    assert await w.take("c", PER_SECOND) == 0.0
    assert await w.take("c", PER_SECOND) == pytest.approx(0.75)
    await clock.advance(0.75)
    assert await w.take("c", PER_SECOND) == 0.0


async def test_a_refused_send_is_counted_nowhere() -> None:
    """When any window refuses, no window counts the send (all or nothing)."""
    clock = FakeClock()
    w = LocalWindows(clock)
    for _ in range(2):
        await w.take("c", PER_SECOND)
    assert await w.take("c", PER_SECOND) > 0
    assert w.count("c", 900.0) == 2
    await clock.advance(1)
    assert await w.take("c", PER_SECOND) == 0.0
    await clock.advance(1)
    assert await w.take("c", PER_SECOND) == pytest.approx(898.0)


async def test_keys_are_counted_apart() -> None:
    """Each key (client, or /menus per location) has its own windows."""
    w = LocalWindows(FakeClock())
    assert await w.take("menus:a", [(1, 1.05)]) == 0.0
    assert await w.take("menus:b", [(1, 1.05)]) == 0.0
    assert await w.take("menus:a", [(1, 1.05)]) == pytest.approx(1.05)
