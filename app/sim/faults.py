"""Injected failures: what the sim should do wrong, for which endpoint, how many times.

A fault may name a ``client``: it then hits only calls made with that API client's
token or login, so one Toast account can fail while another works (Toast limits and
refuses each client on its own: docs/toast-api.md, rate limits).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ENDPOINTS = frozenset({"menus", "metadata", "stock", "restaurants", "groups", "partners", "login",
                       "*"})
MODES = frozenset({"500", "503", "429", "401", "slow", "broken_json", "html", "empty_menu",
                   "off"})
BEFORE_AUTH = frozenset({"500", "503", "429", "401", "slow"})
"""Outages hit before Toast even looks at the token; the others spoil a good answer."""
GARBAGE = frozenset({"broken_json", "html"})
"""A 200 whose body is not the JSON asked for: cut short, or a proxy's HTML page."""


@dataclass
class Fault:
    endpoint: str
    mode: str
    count: int | None = None  # None: until cleared
    delay: float = 0.0
    retry_after: int = 1
    client: str | None = None  # None: every client, and calls with no known client

    @classmethod
    def from_json(cls, body: Any) -> Fault:
        """Validate a ``/_sim/fault`` body; ValueError names the bad field."""
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        endpoint, mode = body.get("endpoint", "*"), str(body.get("mode", ""))
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {sorted(ENDPOINTS)}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}")
        count = body.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or null")
        delay = body.get("delay", 0.0)
        retry_after = body.get("retryAfter", 1)
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        if not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError("retryAfter must be whole seconds >= 0")
        client = body.get("client")
        if client is not None and (not isinstance(client, str) or not client):
            raise ValueError("client must be an API client id (a string) or null")
        return cls(endpoint, mode, count, float(delay), retry_after, client)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["retryAfter"] = out.pop("retry_after")
        return out


class Faults:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str | None], Fault] = {}
        """(endpoint, client) → its fault; client None applies to every client."""

    def set(self, fault: Fault) -> None:
        """One fault per endpoint and client; ``off`` clears the matching ones: ``*`` every
        endpoint, no client every client (so ``*`` + ``off`` alone clears all)."""
        if fault.mode != "off":
            self._by_key[fault.endpoint, fault.client] = fault
            return
        for endpoint, client in list(self._by_key):
            if fault.endpoint in ("*", endpoint) and fault.client in (None, client):
                del self._by_key[endpoint, client]

    def take(self, endpoint: str, modes: frozenset[str],
             client: str | None = None) -> Fault | None:
        """The fault to apply now, using up one count: the client's own (endpoint before
        ``*``) before those for every client."""
        owners = (client, None) if client is not None else (None,)
        for key in [(e, c) for c in owners for e in (endpoint, "*")]:
            fault = self._by_key.get(key)
            if fault is None or fault.mode not in modes:
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self._by_key[key]
            return fault
        return None

    def clear(self) -> None:
        self._by_key.clear()

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self._by_key.values()]
