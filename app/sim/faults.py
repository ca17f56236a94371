"""Injected failures: what the sim should do wrong, for which endpoint, how many times."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ENDPOINTS = frozenset({"menus", "metadata", "stock", "restaurants", "groups", "partners", "login",
                       "*"})
MODES = frozenset({"500", "503", "429", "slow", "broken_json", "html", "empty_menu", "off"})
BEFORE_AUTH = frozenset({"500", "503", "429", "slow"})
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
        return cls(endpoint, mode, count, float(delay), retry_after)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["retryAfter"] = out.pop("retry_after")
        return out


class Faults:
    def __init__(self) -> None:
        self._by_endpoint: dict[str, Fault] = {}

    def set(self, fault: Fault) -> None:
        """One fault per endpoint; ``off`` clears it (``*`` + ``off`` clears all)."""
        if fault.mode == "off":
            if fault.endpoint == "*":
                self._by_endpoint.clear()
            else:
                self._by_endpoint.pop(fault.endpoint, None)
            return
        self._by_endpoint[fault.endpoint] = fault

    def take(self, endpoint: str, modes: frozenset[str]) -> Fault | None:
        """The fault to apply now (endpoint-specific before ``*``), using up one count."""
        for key in (endpoint, "*"):
            fault = self._by_endpoint.get(key)
            if fault is None or fault.mode not in modes:
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self._by_endpoint[key]
            return fault
        return None

    def clear(self) -> None:
        self._by_endpoint.clear()

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self._by_endpoint.values()]
