"""Takes one Toast webhook delivery: check it, count it, hand it on, answer at once.

Nothing here waits on Toast: the sink records what the event asks for and the
refresh loop does the fetching, so the 2xx goes back well inside Toast's 2 s
(docs/toast-api.md, webhooks). Answers follow the same page: 401 for a bad or
missing signature, 400 for a body that is not a Toast webhook or a signed one dated
outside the time window (``app.webhooks.window``), 2xx for duplicates and for events
the relay has no use for, 5xx only when a valid event could not be taken (Toast
resends).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.clock import Clock
from app.errors import BadRequest, RelayError, Unauthorized, WebhookNotTaken
from app.webhooks.dedupe import SeenEvents, SeenStore
from app.webhooks.events import (
    MalformedEvent,
    MenusUpdated,
    StockChanged,
    read_envelope,
    to_event,
)
from app.webhooks.signature import verify
from app.webhooks.stats import WebhookStats
from app.webhooks.window import outside_window

MAX_BODY = 64 * 1024
"""Toast's webhook bodies are a few hundred bytes; anything past 64 KiB is refused (413)."""


class WebhookSink(Protocol):
    """What the relay does with an accepted event (the menu service implements it)."""

    def serves(self, restaurant: str) -> bool:
        """True when this relay serves ``restaurant`` (else the event is acknowledged only)."""
        ...

    def menus_updated(self, event: MenusUpdated) -> None:
        """Schedule a fetch; must return at once, without calling Toast."""
        ...

    def stock_changed(self, event: StockChanged) -> None:
        """Apply the stock change to the served answers; must not call Toast."""
        ...


@dataclass(frozen=True, slots=True)
class Receipt:
    result: str
    event: str

    def as_json(self) -> dict[str, str]:
        return {"result": self.result, "event": self.event}


class WebhookReceiver:
    def __init__(
        self, *, secrets: Sequence[str], sink: WebhookSink, clock: Clock,
        stats: WebhookStats | None = None, seen: SeenStore | None = None,
        logger: logging.Logger | None = None, path: str = "/webhooks/toast",
        setting: str = "RELAY_WEBHOOK_SECRET",
    ) -> None:
        """``path`` and ``setting``: the endpoint and where its secrets are configured, as
        the refusals name them (an account's are its own, docs/accounts.md)."""
        if not secrets:
            raise ValueError("a webhook receiver needs at least one secret")
        self._secrets = list(secrets)
        self._sink = sink
        self._clock = clock
        self.stats = stats or WebhookStats()
        # Not ``seen or``: an empty SeenEvents is falsy (it has a length).
        self._seen: SeenStore = seen if seen is not None else SeenEvents()
        self._log = logger or logging.getLogger("toast_relay.webhooks")
        self._warned_signature = False
        self._path, self._setting = path, setting

    def too_large(self) -> None:
        self.stats.outcome("too_large")

    async def take(self, body: bytes, *, signature: str | None,
                   restaurant_header: str | None = None, attempt: str | None = None) -> Receipt:
        """Check and hand on one delivery; raises a ``RelayError`` for a 4xx/5xx answer.

        The only wait is the seen-event claim (one Redis call when replicas share it)."""
        if not signature:
            self._bad_signature(None, "no Toast-Signature header", None)
        try:
            env = read_envelope(body, restaurant_header)
        except MalformedEvent as exc:
            self.stats.outcome("malformed")
            raise BadRequest(f"not a Toast webhook: {exc}") from None
        served = env.restaurant is not None and self._sink.serves(env.restaurant)
        if not verify(body, env.timestamp, signature, self._secrets):
            self._bad_signature(env.restaurant if served else None, "signature mismatch",
                                env.timestamp)
        now = self._clock.now()
        stale = outside_window(env.timestamp, now)
        if stale is not None:
            self.stats.outcome("stale")
            self._log.warning("webhook refused: outside the time window", extra={
                "eventGuid": env.guid, "payloadTimestamp": env.timestamp, "reason": stale})
            raise BadRequest(f"event refused: {stale}; a signed event is taken only near its "
                             "timestamp (check the relay's clock if Toast sent it)")
        if not await self._seen.claim(env.guid, now):
            self.stats.outcome("duplicate")
            return Receipt("duplicate", env.guid)
        try:
            event = to_event(env)
        except MalformedEvent as exc:
            await self._seen.release(env.guid)
            self.stats.outcome("malformed")
            raise BadRequest(f"not a Toast webhook: {exc}") from None
        if not served or not isinstance(event, MenusUpdated | StockChanged):
            self.stats.outcome("ignored")
            self._log.info("webhook ignored", extra={
                "eventGuid": env.guid, "eventType": env.event_type,
                "restaurant": env.restaurant,
                "reason": "not a restaurant this relay serves" if not served
                else "event type not used"})
            return Receipt("ignored", env.guid)
        try:
            if isinstance(event, MenusUpdated):
                self._sink.menus_updated(event)
            else:
                self._sink.stock_changed(event)
        except Exception as exc:
            await self._seen.release(env.guid)
            self.stats.outcome("not_taken")
            self._log.error("webhook not taken; Toast will resend it", extra={
                "eventGuid": env.guid, "restaurant": env.restaurant,
                "errorType": type(exc).__name__})
            if isinstance(exc, RelayError):
                raise WebhookNotTaken(f"the relay could not take the event ({exc.detail}); "
                                      "Toast will resend it") from None
            raise WebhookNotTaken("the relay could not take the event; Toast will resend "
                                  "it") from None
        self.stats.outcome("accepted")
        self.stats.event(event.restaurant, env.event_type, now)
        self._log.info("webhook accepted", extra={
            "eventGuid": env.guid, "eventType": env.event_type, "restaurant": event.restaurant,
            "attempt": attempt})
        return Receipt("accepted", env.guid)

    def _bad_signature(self, restaurant: str | None, why: str, timestamp: str | None) -> None:
        total = self.stats.signature_failure(restaurant)
        extra = {"restaurant": restaurant, "reason": why, "payloadTimestamp": timestamp,
                 "failures": total}
        if not self._warned_signature:
            # A wrong secret on a busy feed makes every delivery fail, and Toast pauses,
            # then stops, a subscription after 50 errors in 5 minutes (docs/toast-api.md, webhooks).
            self._warned_signature = True
            self._log.error(
                "WEBHOOK SIGNATURE CHECK FAILED: a delivery to %s was not signed with any "
                "secret in %s. If Toast sent it, copy the secret of each subscription (menus "
                "and stock have different ones) from Toast Web into %s; Toast stops a "
                "subscription that keeps failing", self._path, self._setting, self._setting,
                extra=extra)
        else:
            self._log.warning("webhook signature check failed", extra=extra)
        raise Unauthorized("the Toast-Signature header is missing or does not match "
                           f"{self._setting}")
