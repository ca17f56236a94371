"""``GET /events/{restaurant}``: server-sent events announcing each new version of a restaurant.

Contract (shared with the board): ``text/event-stream``; on each new version
``event: update`` with ``id: <that ETag>`` and ``data: {"restaurant": guid, "etag":
<ETag of the unfiltered JSON menu>}``; a ``: ping`` comment every
RELAY_EVENTS_HEARTBEAT seconds (15 by default) so proxies and players keep the
connection; the same key rules as ``/menu`` (``X-API-Key`` or ``?key=``). The
stream opens with ``retry:`` and the current version, unless the client names that
version already (``Last-Event-ID``, or ``?lastEventId=`` for a client that opened a
new stream itself): a reconnecting screen learns only what it missed, at once.

An idle connection costs a parked coroutine, a task watching for the client to
hang up and a small subscription: no polling and no timer of its own (the feed's
one heartbeat wheel pings a slice of the streams every quarter second). Streams
per process are capped by RELAY_EVENTS_MAX_CONNECTIONS, not by
RELAY_LIMIT_CONCURRENCY (``app.api.concurrency``); on shutdown the feed closes
them all, so they end at once (``RelayServer`` in ``app.api.app``).
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.api.cors import Cors
from app.api.headers import NOSNIFF
from app.relay import Relay
from app.serve.push import Subscription
from app.serve.query import first, parse_query

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    # nginx: pass each event on at once (deploy/nginx also turns buffering off here).
    (b"x-accel-buffering", b"no"),
    NOSNIFF,
]
RETRY_MS = 3000
PING = b": ping\n\n"


MAX_EVENT_ID = 200
"""A longer ``Last-Event-ID`` names no version the relay ever sent (it is ignored)."""


def update_event(guid: str, etag: str) -> bytes:
    """One ``update``: its ``id`` is the version (the ETag, a function of the content alone,
    so the same on every replica and after a restart), which the client sends back as
    ``Last-Event-ID`` when it reconnects."""
    data = orjson.dumps({"restaurant": guid, "etag": etag})
    return b"id: " + etag.encode() + b"\nevent: update\ndata: " + data + b"\n\n"


def last_event_id(scope: Scope, query: tuple[tuple[str, str], ...]) -> str:
    """The version a reconnecting client already has: the ``Last-Event-ID`` header (an
    ``EventSource`` reconnecting by itself), else ``?lastEventId=`` (a board that opened a
    new stream); "" when it names none."""
    seen = next((v for k, v in scope["headers"] if k == b"last-event-id"), b"").decode(
        "latin-1") or first(query, "lastEventId", "")
    return seen.strip() if len(seen) <= MAX_EVENT_ID else ""


def opening(guid: str, etag: str, seen: str) -> bytes:
    """The stream's first bytes: ``retry:``, then the current version unless ``seen`` is it."""
    head = f"retry: {RETRY_MS}\n\n".encode()
    return head if seen == etag else head + update_event(guid, etag)


async def _until_disconnect(receive: Receive, sub: Subscription) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            sub.close()
            return


class EventStream:
    def __init__(self, relay: Relay, cors: Cors) -> None:
        self.cors = cors
        self.keys = relay.keys
        self.menus = relay.menus
        self.feed = relay.changes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            await self.cors.preflight(scope, send)
            return
        q = parse_query(scope["query_string"])
        guid = self.keys.readable_path(scope, q.key)
        # Like /menu: loads the restaurant if nobody asked for it yet (and 404s a wrong one).
        view, _ = await self.menus.view(guid)
        headers = [*HEADERS, *self.cors.headers(scope)]
        if scope["method"] == "HEAD":  # the headers a GET would get, and no endless body
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        with self.feed.subscribe(guid) as sub:
            watcher = asyncio.ensure_future(_until_disconnect(receive, sub))
            try:
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                start = opening(guid, view.json.etag, last_event_id(scope, q.filter_pairs))
                await send({"type": "http.response.body", "body": start, "more_body": True})
                while True:
                    etag = await sub.next()  # None: the heartbeat, or closed
                    if sub.closed:
                        break
                    chunk = update_event(guid, etag) if etag is not None else PING
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                with contextlib.suppress(OSError):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            finally:
                watcher.cancel()


def routes(relay: Relay, cors: Cors) -> list[Route]:
    return [Route("/events/{restaurant}", EventStream(relay, cors), methods=["GET", "OPTIONS"])]
