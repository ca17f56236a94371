"""Carrying out one fault of the schedule: start it, publish a price inside it, end it, then
give every replica and board until FRESH seconds after the fault to show the publish."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from tests.support.soak.cluster import Cluster
from tests.support.soak.ledger import Ledger
from tests.support.soak.schedule import FaultSpec
from tests.support.soak.traffic import Prices, storm

SLOW_FETCH = 20.0
"""The lease holder's /menus answer takes this long, so it is surely killed mid-fetch."""


@dataclass
class Chaos:
    cluster: Cluster
    ledger: Ledger
    prices: Prices
    in_stock: list[str]
    rng: random.Random
    notes: list[str]

    def publish(self) -> str:
        version = self.prices.next_version()
        at = time.monotonic()
        stamp = self.cluster.publish(self.prices.item, self.prices.price(version))
        self.ledger.published(version, at)
        return stamp

    def run(self, spec: FaultSpec) -> None:
        c = self.cluster
        started = time.monotonic()
        self.ledger.begin(spec.kind, started, c.counts())
        if spec.kind == "lease_holder_kill":
            self._lease_holder_kill(spec, started)
        else:
            self._start(spec)
            _sleep_until(started + spec.publish_at)
            published = self.publish()
            if spec.kind == "webhook_storm":
                storm(c, self.ledger, published, self.in_stock, spec.storm_events,
                      spec.storm_copies, self.rng)
            _sleep_until(started + spec.hold)
            self._end(spec)
        fault_end = time.monotonic()
        self.ledger.fault_over(fault_end)
        deadline = fault_end + self.ledger.fresh
        since = self.ledger.publishes[-1].at
        while time.monotonic() < deadline and not self.ledger.caught_up(
                self.prices.latest, since, c.live()):
            time.sleep(0.1)
        self.ledger.end(time.monotonic(), c.counts())

    def _start(self, spec: FaultSpec) -> None:
        c = self.cluster
        if spec.endpoint:
            c.toast_fault(spec)
        elif spec.kind == "revocation":
            c.revoke()
        elif spec.kind == "redis_restart":
            c.redis.kill()
        elif spec.kind == "replica_kill":
            c.kill(spec.replica)

    def _end(self, spec: FaultSpec) -> None:
        c = self.cluster
        if spec.endpoint:
            c.clear_faults()
        elif spec.kind == "redis_restart":
            c.redis.start()  # empty: it keeps nothing on disk
        elif spec.kind == "replica_kill":
            c.restart(spec.replica)

    def _lease_holder_kill(self, spec: FaultSpec, started: float) -> None:
        """Webhooks off (they fetch wherever they land, without the lease), a slow /menus
        answer, a publish: kill whichever replica holds the check lease once its fetch is
        under way, and bring it back after ``hold``."""
        c = self.cluster
        c.webhooks(on=False)
        try:
            before = c.menus_calls()
            c.toast_fault(FaultSpec("slow", 0, 0, "menus", "slow", delay=SLOW_FETCH), count=1)
            self.publish()
            holder = c.lease_holder() if c.wait_menus_call(before, 10) else None
            if holder is None:
                self.notes.append("lease_holder_kill: no fetch or no lease holder seen; "
                                  f"killed replica {spec.replica} instead")
                holder = spec.replica
            c.kill(holder)
            _sleep_until(started + spec.hold)
            c.restart(holder)
        finally:
            c.clear_faults()
            c.webhooks(on=True)


def _sleep_until(moment: float) -> None:
    left = moment - time.monotonic()
    if left > 0:
        time.sleep(left)
