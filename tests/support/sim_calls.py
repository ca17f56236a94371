"""What the simulator at a URL has counted: Toast calls by endpoint and by restaurant."""

from __future__ import annotations

from typing import Any

import httpx

from app.sim.sample import SAMPLE_RESTAURANT_GUID


def calls(sim_url: str) -> dict[str, Any]:
    """The simulator's whole ``/_sim/calls`` answer."""
    data: dict[str, Any] = httpx.get(f"{sim_url}/_sim/calls").json()
    return data


def endpoint_count(sim_url: str, name: str,
                   restaurant: str | None = SAMPLE_RESTAURANT_GUID) -> int:
    """Calls the simulator saw on one endpoint ("menus", "metadata", "login", …).

    Counted for the sample restaurant, or over all when ``restaurant`` is None.
    """
    data = calls(sim_url)
    counts = data["calls"] if restaurant is None else data["by_restaurant"].get(restaurant, {})
    return int(counts.get(name, 0))
