"""The relay's environment for tests against the simulator: its keys, aliases, 1 s checks."""

from __future__ import annotations

import json

from app.sim.sample import (
    FORBIDDEN_RESTAURANT_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
)

KEY = "screen-key-0123456789abcdef"
SCOPED_KEY = "second-only-key-0123456789"


def relay_env(sim_url: str, **extra: str) -> dict[str, str]:
    """Settings for ``toast-relay serve`` against the simulator at ``sim_url``; ``extra`` wins."""
    env = {
        "TOAST_API_URL": sim_url,
        "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET,
        "RELAY_API_KEYS": json.dumps({KEY: "*", SCOPED_KEY: ["maple"]}),
        "RELAY_RESTAURANTS": json.dumps({
            "harbor": SAMPLE_RESTAURANT_GUID, "maple": SECOND_RESTAURANT_GUID,
            "locked": FORBIDDEN_RESTAURANT_GUID}),
        "RELAY_REFRESH_INTERVAL": "1",
        "RELAY_STOCK_INTERVAL": "1",
    }
    env.update(extra)
    return env
