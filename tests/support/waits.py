"""Waiting on a condition instead of sleeping a fixed time: poll until true or time out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout: float = 20.0, what: str = "",
             every: float = 0.1) -> T:
    """Poll ``probe`` until it returns something truthy, and return that.

    Fails after ``timeout`` seconds naming ``what`` and the last value seen.
    """
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")


def stays(probe: Callable[[], bool], duration: float, what: str = "", every: float = 0.1) -> None:
    """Check ``probe`` holds for the whole of ``duration`` seconds (an absence: no wrong call,
    no second fetch), failing as soon as it does not."""
    deadline = time.monotonic() + duration
    while True:
        assert probe(), f"no longer true: {what}"
        if time.monotonic() >= deadline:
            return
        time.sleep(every)
