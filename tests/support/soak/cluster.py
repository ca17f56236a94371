"""The soak's processes: the simulator, one redis-server and three relay replicas, all real
processes on 127.0.0.1, and the faults done to them (stopped by PID, never by name)."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import httpx
import redis as redis_py

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.procs import Proc, Procs, free_port
from tests.support.redis_server import RedisServer
from tests.support.relay_env import relay_env
from tests.support.soak.ledger import SimCounts
from tests.support.soak.schedule import FaultSpec

GUID = SAMPLE_RESTAURANT_GUID
REPLICAS = 3
TOKEN_LIFETIME = 40.0
RENEW_WINDOW = 20.0
"""Toast's renew window scaled down with the token: a login gets a new token only in the
token's last 20 s (Toast: the last 60 s of 24 h)."""
REFRESH_WINDOW = 15.0
WEBHOOK_SECRET = "soak-menus-subscription-secret-0001"
STARTUP = 60.0


class Cluster:
    """Three replicas sharing ``redis``; a replica is killed and restarted on its own port."""

    def __init__(self, procs: Procs, redis: RedisServer) -> None:
        self.procs = procs
        self.redis = redis
        self.sim = procs.sim(token_lifetime=TOKEN_LIFETIME)
        self.control = httpx.Client(base_url=self.sim, timeout=10)
        self.control.post("/_sim/token-lifetime", json={
            "seconds": TOKEN_LIFETIME, "renewWindow": RENEW_WINDOW}).raise_for_status()
        self.env = relay_env(
            self.sim, REDIS_URL=redis.url, RELAY_LOG_FORMAT="text", TOAST_TIMEOUT="4",
            TOAST_TOKEN_REFRESH_WINDOW=str(int(REFRESH_WINDOW)),
            RELAY_WEBHOOK_SECRET=WEBHOOK_SECRET, RELAY_EVENTS_HEARTBEAT="5")
        self.ports = [free_port() for _ in range(REPLICAS)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.running: list[Proc] = []
        self.started: list[Proc] = []
        self.starts = [0] * REPLICAS
        self._down: set[int] = set()
        self._generation = [0] * REPLICAS
        self._lock = threading.Lock()

    # --- replicas ------------------------------------------------------------

    def _spawn(self, i: int) -> Proc:
        self.starts[i] += 1
        proc, _ = self.procs.spawn_relay(self.env, port=self.ports[i],
                                         log_name=f"relay-{i}-{self.starts[i]}.log")
        self.started.append(proc)
        return proc

    def start(self) -> None:
        """Every replica at once, then wait until each answers."""
        self.running = [self._spawn(i) for i in range(REPLICAS)]
        for proc, url in zip(self.running, self.urls, strict=True):
            proc.wait_http(f"{url}/healthz", STARTUP)

    def state(self, i: int) -> tuple[bool, int]:
        """(up, generation): the generation changes whenever replica ``i`` dies or returns."""
        with self._lock:
            return i not in self._down, self._generation[i]

    def live(self) -> set[int]:
        with self._lock:
            return set(range(REPLICAS)) - self._down

    def kill(self, i: int) -> None:
        """SIGKILL replica ``i``; screens and boards leave it alone until it is back."""
        with self._lock:
            self._down.add(i)
            self._generation[i] += 1
        self.running[i].stop(signal.SIGKILL)

    def restart(self, i: int) -> None:
        proc = self._spawn(i)
        self.running[i] = proc
        proc.wait_http(f"{self.urls[i]}/healthz", STARTUP)
        with self._lock:
            self._down.discard(i)
            self._generation[i] += 1

    def lease_holder(self) -> int | None:
        """The replica holding the restaurant's check lease (its id is in its start log)."""
        try:
            with redis_py.Redis.from_url(self.redis.url, decode_responses=True) as client:
                keys = [str(k) for k in client.keys(f"toast-relay:*lease:check:{GUID}")]
                holder = client.get(keys[0]) if keys else None
        except redis_py.RedisError:
            return None
        if holder is None:
            return None
        return next((i for i, p in enumerate(self.running)
                     if i in self.live() and f"replica {holder}" in p.output()), None)

    def logs(self) -> str:
        """Everything every replica wrote, the killed ones included."""
        return "\n".join(p.log_path.read_text(errors="replace") for p in self.started)

    # --- the simulator -----------------------------------------------------------

    def calls(self) -> dict[str, Any]:
        data: dict[str, Any] = self.control.get("/_sim/calls").json()
        return data

    def counts(self) -> SimCounts:
        return SimCounts.from_calls(self.calls())

    def menus_calls(self) -> int:
        return int(self.calls()["by_restaurant"].get(GUID, {}).get("menus", 0))

    def webhooks(self, on: bool) -> None:
        """Toast's webhooks to every replica in turn (what a load balancer would do), or off."""
        body = {"url": [f"{u}/webhooks/toast" for u in self.urls], "secret": WEBHOOK_SECRET,
                "timeScale": 0.01} if on else {}
        self.control.post("/_sim/webhooks", json=body).raise_for_status()

    def toast_fault(self, spec: FaultSpec, count: int | None = None) -> None:
        self.control.post("/_sim/fault", json={
            "endpoint": spec.endpoint, "mode": spec.mode, "delay": spec.delay,
            "retryAfter": spec.retry_after, "count": count}).raise_for_status()

    def clear_faults(self) -> None:
        self.control.post("/_sim/fault", json={"endpoint": "*", "mode": "off"}).raise_for_status()

    def revoke(self) -> None:
        self.control.post("/_sim/revoke").raise_for_status()

    def publish(self, item: str, price: float) -> str:
        """Publish ``price`` for ``item``; Toast's new ``lastUpdated``."""
        r = self.control.post(f"/_sim/publish/{GUID}", json={"itemGuid": item, "price": price})
        r.raise_for_status()
        return str(r.json()["lastUpdated"])

    def wait_menus_call(self, before: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.menus_calls() > before:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.control.close()
