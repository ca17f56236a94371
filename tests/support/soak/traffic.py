"""What the soak's clients do: screens poll ``/menu`` on every replica, boards follow
``/events`` and fetch the menu on each update, a storm posts signed duplicate webhooks.

Each loop ends on ``stop`` or its deadline, whichever comes first. A replica killed on
purpose is out of the rotation (as behind a load balancer) until it answers again; a
request cut short by that kill is not counted against the relay.
"""

from __future__ import annotations

import asyncio
import queue
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from tests.support.relay_env import KEY
from tests.support.soak.cluster import GUID, WEBHOOK_SECRET, Cluster
from tests.support.soak.ledger import Answer, Ledger
from tests.support.sse import SseReader
from tests.support.webhooks import toast_webhook

SCREENS_PER_REPLICA = 2
SCREEN_EVERY = 0.5
STEP = 0.25
"""Each publish raises the tracked item's price by this, so a price names its version."""


@dataclass
class Prices:
    """The tracked item's price at each version (0: the menu as it started)."""

    item: str
    base: float
    latest: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def price(self, version: int) -> float:
        return round(self.base + STEP * version, 2)

    def next_version(self) -> int:
        """The version about to be published (known before Toast has it, so no screen can
        show it first and be taken for a wrong price)."""
        with self._lock:
            self.latest += 1
            return self.latest

    def version(self, rows: list[dict[str, Any]]) -> int | None:
        """The version these rows show; None for a price no publish set, or no such item."""
        price = next((r["price"] for r in rows if r["guid"] == self.item), None)
        if not isinstance(price, int | float):
            return None
        v = round((price - self.base) / STEP)
        with self._lock:
            latest = self.latest
        return v if 0 <= v <= latest and abs(self.price(v) - price) < 0.001 else None


def read_menu(client: httpx.Client, url: str, prices: Prices) -> tuple[int, int, int | None]:
    """(status, rows, version) of one ``/menu`` answer; status 0 when none came."""
    try:
        r = client.get(f"{url}/menu/harbor", params={"key": KEY})
    except httpx.HTTPError:
        return 0, 0, None
    if r.status_code != 200:
        return r.status_code, 0, None
    rows: list[dict[str, Any]] = r.json().get("items") or []
    return 200, len(rows), prices.version(rows)


def screen(cluster: Cluster, ledger: Ledger, prices: Prices, i: int, stop: threading.Event,
           deadline: float) -> None:
    """Poll replica ``i`` every SCREEN_EVERY seconds until ``stop`` or ``deadline``."""
    client, seen_gen = httpx.Client(timeout=5), -1
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            up, gen = cluster.state(i)
            if not up:
                stop.wait(0.2)
                continue
            if gen != seen_gen:  # back from a kill: its old connections are dead
                client.close()
                client, seen_gen = httpx.Client(timeout=5), gen
            at = time.monotonic()
            status, rows, version = read_menu(client, cluster.urls[i], prices)
            if status == 0 and cluster.state(i) != (True, gen):
                continue  # killed under this request, on purpose
            ledger.answer(Answer(at, i, status, rows, version))
            stop.wait(SCREEN_EVERY)
    finally:
        client.close()


def board(cluster: Cluster, ledger: Ledger, prices: Prices, i: int, stop: threading.Event,
          deadline: float) -> None:
    """A board on replica ``i``: follow /events, fetch the menu on each update, reconnect
    (after 1 s) when the stream ends."""
    url = cluster.urls[i]
    with httpx.Client(timeout=5) as client:
        while not stop.is_set() and time.monotonic() < deadline:
            up, gen = cluster.state(i)
            if not up:
                stop.wait(0.2)
                continue
            reader = SseReader(f"{url}/events/harbor?key={KEY}")
            try:
                while reader.status == 200 and reader.alive and not stop.is_set() \
                        and cluster.state(i) == (True, gen) and time.monotonic() < deadline:
                    try:
                        event = reader.events.get(timeout=0.5)
                    except queue.Empty:
                        continue
                    if event.event == "update":
                        at = time.monotonic()
                        status, _, version = read_menu(client, url, prices)
                        if status == 200:
                            ledger.board_view(at, i, version)
            finally:
                reader.close()
            stop.wait(1.0)


def toast_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def storm(cluster: Cluster, ledger: Ledger, published: str, in_stock: list[str],
          events: int, copies: int, rng: random.Random) -> None:
    """``events`` distinct signed webhooks (the publish's ``menus_updated`` and in-stock
    news), each posted ``copies`` times to different live replicas, all at once."""
    now = toast_time(time.time())
    bodies = []
    for n in range(events):
        if n % 2 == 0:
            bodies.append(toast_webhook(WEBHOOK_SECRET, "menus", "menus_updated", {
                "restaurantGuid": GUID, "publishedDate": published.replace("+0000", "Z")},
                timestamp=now))
        else:
            bodies.append(toast_webhook(WEBHOOK_SECRET, "stock", "in_stock", {
                "itemGuid": in_stock[n % len(in_stock)], "restaurantGuid": GUID,
                "status": "IN_STOCK", "multiLocationId": None, "versionId": None},
                timestamp=now))
    live = sorted(cluster.live())
    sends = [(body, headers, cluster.urls[r]) for body, headers in bodies
             for r in rng.sample(live, min(copies, len(live)))]

    async def post_all() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            async def post(body: bytes, headers: dict[str, str], url: str) -> None:
                event = str(orjson.loads(body)["guid"])
                try:
                    r = await client.post(f"{url}/webhooks/toast", content=body,
                                          headers=headers)
                    result = str(r.json().get("result")) if r.status_code < 300 \
                        else str(r.status_code)
                except httpx.HTTPError as exc:
                    result = type(exc).__name__
                ledger.receipt(time.monotonic(), event, result)
            await asyncio.gather(*(post(*s) for s in sends))

    asyncio.run(post_all())
