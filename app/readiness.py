"""Whether the relay can serve screens: what ``/readyz`` answers, pure.

Ready while a Toast token is held or can be obtained, or while the relay holds a
servable copy of every restaurant it serves (the configured ones; without
RELAY_RESTAURANTS, those screens asked for). So a failing Toast login alone never
takes a replica out of a load balancer that would otherwise lose the last good
copies the relay exists to keep; the failure shows in the body instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

Status = Literal["ready", "degraded", "not_ready"]


@dataclass(frozen=True)
class Readiness:
    status: Status
    detail: str
    login_error: str | None
    restaurants: int
    """Restaurants the copies must cover."""
    servable: int
    """Of those, how many have a copy that may still be served."""
    shared_store_down: bool = False
    """Redis is configured but unreachable (the replica serves its own copies)."""

    @property
    def ready(self) -> bool:
        return self.status != "not_ready"

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "detail": self.detail, "loginError": self.login_error,
                "restaurants": {"total": self.restaurants, "servable": self.servable}}


def readiness(*, token_ok: bool, token_detail: str, login_error: str | None,
              restaurants: Iterable[str], can_serve: Callable[[str], bool],
              shared_store_down: bool = False) -> Readiness:
    """``token_ok``/``token_detail``: the token manager's view; ``login_error``: the last
    login's failure while it lasts; ``can_serve``: a servable copy is held for a GUID."""
    guids = list(dict.fromkeys(restaurants))
    servable = sum(1 for g in guids if can_serve(g))
    copies = bool(guids) and servable == len(guids)
    if not token_ok and not copies:
        missing = (f"no saved copy of {len(guids) - servable} of the {len(guids)} "
                   "restaurants served" if guids else "no restaurant copy held")
        return Readiness("not_ready", f"{token_detail}; {missing}", login_error,
                         len(guids), servable, shared_store_down)
    if token_ok:
        detail = token_detail
    else:
        detail = (f"serving the saved copies of all {len(guids)} restaurants while Toast's "
                  "login fails (see loginError)")
    degraded = not token_ok or login_error is not None or shared_store_down
    if token_ok and login_error is not None:
        detail += "; the last Toast login failed (see loginError)"
    if shared_store_down:
        detail += ("; Redis is unreachable, serving this replica's copies with its own "
                   "stricter Toast budget")
    return Readiness("degraded" if degraded else "ready", detail, login_error,
                     len(guids), servable, shared_store_down)


def combined(readings: dict[str, Readiness]) -> Readiness:
    """Several accounts' readiness as the replica's: ready while any account can serve (one
    account's failing login must not take the others' screens out of the load
    balancer); degraded when any account is not fully ready, each named in the detail."""
    if len(readings) == 1:
        return next(iter(readings.values()))
    statuses = {r.status for r in readings.values()}
    status: Status = ("not_ready" if statuses == {"not_ready"} else
                      "ready" if statuses == {"ready"} else "degraded")
    detail = "; ".join(f"account {name}: {r.status}" + (
        f" ({r.detail})" if r.status != "ready" else "") for name, r in readings.items())
    errors = [f"{name}: {r.login_error}" for name, r in readings.items() if r.login_error]
    return Readiness(status, detail, "; ".join(errors) or None,
                     sum(r.restaurants for r in readings.values()),
                     sum(r.servable for r in readings.values()),
                     any(r.shared_store_down for r in readings.values()))
