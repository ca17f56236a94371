"""The simulator's outgoing webhooks: signed and sent the way Toast sends them.

Toast's rules: docs/toast-api.md, webhooks.

On a publish the simulator sends ``menus_updated`` (category ``menus``); on a
stock change ``in_stock``/``low_quantity``/``out_of_stock`` (category
``stock``), each category signed with its own subscription's secret. Headers
are Toast's (``Toast-Signature``, ``Toast-Event-Type``/``-Category``,
``Toast-Restaurant-External-ID``, ``Toast-Attempt-Number``, its User-Agent).
Like Toast, a delivery that times out (2 s) or gets 404, 429 or 5xx is resent
after 5 minutes and again 10 minutes later, then dropped; other answers are
final. ``time_scale`` shrinks those waits for tests (0.01: 3 s and 6 s). Given
several URLs (replicas without their load balancer), each POST goes to the next
one in turn, so a resend reaches another replica as it would behind one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from app.clock import Clock
from app.webhooks.signature import sign

RESEND_AFTER = (300.0, 600.0)
TIMEOUT = 2.0
LOW_QUANTITY = 5.0
"""Toast's low-quantity threshold, the same for every item (docs/toast-api.md, webhooks)."""
USER_AGENT = "Apache-HttpClient/4.5.10 (Java/1.8.0_212)"
KEPT = 200

log = logging.getLogger("toast_relay.sim.webhooks")


def toast_time(epoch: float) -> str:
    """Toast's webhook time format: ISO-8601 UTC with milliseconds and ``Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def stock_event_type(status: str, quantity: float | None) -> str:
    if status == "OUT_OF_STOCK" or (status == "QUANTITY" and not quantity):
        return "out_of_stock"
    if status == "QUANTITY" and quantity is not None and quantity < LOW_QUANTITY:
        return "low_quantity"
    return "in_stock"


@dataclass
class WebhookConfig:
    url: str
    menus_secret: str
    stock_secret: str
    time_scale: float = 1.0
    more_urls: tuple[str, ...] = ()
    """Further targets taken in turn after ``url`` (replicas behind no load balancer)."""

    def target(self, n: int) -> str:
        """Where the ``n``-th POST (0-based, resends included) goes: round robin."""
        urls = (self.url, *self.more_urls)
        return urls[n % len(urls)]

    def public(self) -> dict[str, object]:
        """What /_sim/webhooks shows (never the secrets)."""
        return {"url": [self.url, *self.more_urls] if self.more_urls else self.url,
                "timeScale": self.time_scale}


def webhook_config(url: object, secret: object, stock_secret: object = None,
                   time_scale: object = 1.0) -> WebhookConfig | None:
    """Validated settings; no URL means webhooks off. ValueError names the bad one.

    ``url`` is one URL or a list of them, taken in turn."""
    if url in (None, "") or url == []:
        return None
    given: list[object] = url if isinstance(url, list) else [url]
    urls = [u for u in given if isinstance(u, str) and u.startswith(("http://", "https://"))]
    if len(urls) != len(given):
        raise ValueError("the webhook URL must start with http:// or https://")
    if not isinstance(secret, str) or not secret:
        raise ValueError("webhooks need a secret (the menus subscription's)")
    if stock_secret is not None and (not isinstance(stock_secret, str) or not stock_secret):
        raise ValueError("the stock webhook secret must be a non-empty string")
    if isinstance(time_scale, bool) or not isinstance(time_scale, int | float) \
            or time_scale <= 0:
        raise ValueError("the webhook time scale must be a number > 0")
    return WebhookConfig(urls[0], secret, stock_secret or secret, float(time_scale),
                         tuple(urls[1:]))


@dataclass
class Delivery:
    event: str
    restaurant: str
    event_type: str
    attempts: int = 0
    statuses: list[str] | None = None
    done: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event, "restaurant": self.restaurant, "eventType": self.event_type,
                "attempts": self.attempts, "statuses": self.statuses or [], "done": self.done}


class WebhookSender:
    def __init__(self, clock: Clock, config: WebhookConfig | None = None,
                 http: httpx.AsyncClient | None = None) -> None:
        self.clock = clock
        self.config = config
        self.deliveries: deque[Delivery] = deque(maxlen=KEPT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._posts = 0
        self.http = http
        """Made on first use (Toast's 2 s timeouts) unless a test passes one in."""
        self.subscriptions: dict[str, WebhookConfig] = {}
        """Client id → that client's own subscription: as at Toast, an event goes to the
        subscription of every client reaching the restaurant (``config`` when none has one)."""
        self.clients_of: Callable[[str], list[str]] = lambda restaurant: []
        """The clients that reach a restaurant (the simulator's state sets it)."""

    def menus_updated(self, restaurant: str, published: float) -> None:
        self._send("menus", "menus_updated", restaurant, {
            "restaurantGuid": restaurant, "publishedDate": toast_time(published)})

    def stock_changed(self, restaurant: str, item_guid: str, status: str,
                      quantity: float | None, multi_location_id: str | None) -> None:
        details: dict[str, Any] = {
            "itemGuid": item_guid, "restaurantGuid": restaurant, "status": status,
            "multiLocationId": multi_location_id, "versionId": None}
        if status == "QUANTITY":
            details["quantity"] = quantity
        self._send("stock", stock_event_type(status, quantity), restaurant, details)

    def _targets(self, restaurant: str) -> list[WebhookConfig]:
        own = [self.subscriptions[c] for c in self.clients_of(restaurant)
               if c in self.subscriptions]
        return own or ([self.config] if self.config is not None else [])

    def _send(self, category: str, event_type: str, restaurant: str,
              details: dict[str, Any]) -> None:
        for config in self._targets(restaurant):
            self._send_to(config, category, event_type, restaurant, details)

    def _send_to(self, config: WebhookConfig, category: str, event_type: str, restaurant: str,
                 details: dict[str, Any]) -> None:
        timestamp = toast_time(self.clock.now())
        guid = str(uuid.uuid4())
        body = orjson.dumps({"timestamp": timestamp, "eventCategory": category,
                             "eventType": event_type, "guid": guid, "details": details})
        secret = config.menus_secret if category == "menus" else config.stock_secret
        headers = {
            "Content-Type": "application/json", "Accept-Encoding": "gzip,deflate",
            "Connection": "close", "User-Agent": USER_AGENT,
            "Toast-Signature": sign(body, timestamp, secret),
            "Toast-Event-Type": event_type, "Toast-Event-Category": category,
            "Toast-Restaurant-External-ID": restaurant,
        }
        delivery = Delivery(guid, restaurant, event_type)
        self.deliveries.append(delivery)
        task = asyncio.ensure_future(self._deliver(config, body, headers, delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, config: WebhookConfig, body: bytes, headers: dict[str, str],
                       delivery: Delivery) -> None:
        delivery.statuses = []
        for attempt, wait in enumerate((0.0, *RESEND_AFTER), start=1):
            if wait:
                await self.clock.sleep(wait * config.time_scale)
            delivery.attempts = attempt
            self._posts += 1
            outcome = await self._post(config.target(self._posts - 1), body,
                                       {**headers, "Toast-Attempt-Number": str(attempt)})
            delivery.statuses.append(outcome)
            # Toast resends after a timeout, 404, 429 or 5xx; never after 3xx or other 4xx.
            if not (outcome in ("timeout", "error", "404", "429") or outcome.startswith("5")):
                break
        delivery.done = True

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> str:
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        try:
            r = await self.http.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError as exc:
            log.warning("webhook delivery failed: %s", type(exc).__name__)
            return "error"
        return str(r.status_code)

    async def drain(self) -> None:
        """Wait for the deliveries in flight (tests), including their resends."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()
            self.http = None
