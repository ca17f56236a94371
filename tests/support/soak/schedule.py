"""The soak's fault schedule: a pure function of the seed (same seed, same schedule).

Every fault kind happens once, in an order and with parameters the seed picks; each
holds for a few seconds with one price published at a seeded moment inside it.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

KINDS = ("toast_5xx", "toast_429", "slow", "garbage", "revocation", "redis_restart",
         "replica_kill", "lease_holder_kill", "webhook_storm")
DEFAULT_SEED = 27
"""CI runs this one schedule: a red soak then means the code changed, not the dice, and the
same command reproduces it. ``SOAK_SEED=<n>`` replays another, ``SOAK_SEED=random`` draws
one (printed) to explore."""
TOAST_ENDPOINTS = ("metadata", "menus", "stock", "*")


@dataclass(frozen=True)
class FaultSpec:
    """One fault: what, for how long (``hold``), when the price is published inside it."""

    kind: str
    hold: float
    publish_at: float
    endpoint: str = ""
    mode: str = ""
    delay: float = 0.0
    retry_after: int = 0
    replica: int = 0
    storm_events: int = 0
    storm_copies: int = 0

    def describe(self) -> str:
        """One line for the log: the kind and the parameters it uses."""
        parts = [f"{self.kind} {self.hold:.1f}s publish@{self.publish_at:.1f}s"]
        if self.endpoint:
            parts.append(f"{self.mode} on {self.endpoint}")
        if self.delay:
            parts.append(f"delay {self.delay:.1f}s")
        if self.retry_after:
            parts.append(f"Retry-After {self.retry_after}")
        if self.kind == "replica_kill":
            parts.append(f"replica {self.replica}")
        if self.storm_events:
            parts.append(f"{self.storm_events} events x{self.storm_copies}")
        return ", ".join(parts)


def _spec(kind: str, rng: random.Random, replicas: int) -> FaultSpec:
    hold = round(rng.uniform(6.0, 10.0), 1)
    endpoint = rng.choice(TOAST_ENDPOINTS)
    at = round(hold * rng.uniform(0.2, 0.8), 1)
    if kind == "toast_5xx":
        return FaultSpec(kind, hold, at, endpoint, rng.choice(("500", "503")))
    if kind == "toast_429":
        return FaultSpec(kind, hold, at, endpoint, "429", retry_after=rng.randint(1, 3))
    if kind == "slow":
        return FaultSpec(kind, hold, at, endpoint, "slow", delay=round(rng.uniform(1.5, 5.0), 1))
    if kind == "garbage":
        return FaultSpec(kind, hold, at, endpoint, rng.choice(("broken_json", "html")))
    if kind == "revocation":  # long enough for every replica to need Toast a few times
        return FaultSpec(kind, hold + 8.0, at)
    if kind == "replica_kill":
        return FaultSpec(kind, hold, at, replica=rng.randrange(replicas))
    if kind == "lease_holder_kill":
        return FaultSpec(kind, hold, 0.0)  # the publish starts the fetch that is cut short
    if kind == "webhook_storm":
        return FaultSpec(kind, round(hold / 2, 1), 0.0, storm_events=rng.randint(10, 20),
                         storm_copies=rng.randint(2, 3))
    return FaultSpec(kind, hold, at)  # redis_restart: Redis is away for ``hold``


def build_schedule(seed: int, replicas: int = 3) -> list[FaultSpec]:
    """Every kind once, in a seeded order with seeded parameters."""
    rng = random.Random(seed)
    order = list(KINDS)
    rng.shuffle(order)
    return [_spec(kind, rng, replicas) for kind in order]


def seed_from_env(env: dict[str, str] | None = None) -> int:
    """``SOAK_SEED``: a number, ``random`` (drawn now), or unset (``DEFAULT_SEED``)."""
    raw = (env if env is not None else dict(os.environ)).get("SOAK_SEED", "").strip()
    if not raw:
        return DEFAULT_SEED
    if raw == "random":
        return random.SystemRandom().randrange(1, 1_000_000)
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"SOAK_SEED must be a whole number or 'random', not {raw!r}") from None
