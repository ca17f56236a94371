"""The sample restaurant's menu as a running relay answers it (with the test key)."""

from __future__ import annotations

from typing import Any

import httpx

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.relay_env import KEY

GUID = SAMPLE_RESTAURANT_GUID


def menu(url: str, **params: str) -> httpx.Response:
    """``GET /menu/<sample restaurant>`` of the relay at ``url``."""
    return httpx.get(f"{url}/menu/{GUID}", params={"key": KEY, **params}, timeout=30)


def a_priced_item(url: str) -> dict[str, Any]:
    """A plain item (one price, no sizes) of the sample restaurant's menu."""
    rows: list[dict[str, Any]] = menu(url).json()["items"]
    return next(r for r in rows if r["price"] and not r["sizes"])


def price_of(url: str, guid: str) -> float | None:
    """The price the relay shows for item ``guid``, None when it is not on the menu."""
    rows = menu(url).json()["items"]
    return next((r["price"] for r in rows if r["guid"] == guid), None)
