"""The relay's own concurrency limit: requests in flight count, /events streams do not."""

from __future__ import annotations

import asyncio
import logging

import orjson
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.access_log import AccessLog
from app.api.concurrency import WARN_EVERY, ConcurrencyLimit
from app.clock import FakeClock
from app.metrics import Metrics


class HeldApp:
    """Answers 200 once ``release`` is set; until then the request is in flight."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def limited(inner: ASGIApp, limit: int, clock: FakeClock) -> AccessLog:
    """``inner`` behind the access log with RELAY_LIMIT_CONCURRENCY = ``limit``."""
    return AccessLog(inner, Metrics(), None, limit=ConcurrencyLimit(limit, clock))


def in_flight(app: AccessLog) -> int:
    assert app.limit is not None
    return app.limit.in_flight


def scope(path: str, root: str = "") -> Scope:
    return {"type": "http", "method": "GET", "path": root + path, "root_path": root}


async def call(app: AccessLog, path: str, root: str = "") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope(path, root), receive, send)
    return sent


async def start(app: AccessLog, path: str, root: str = "") -> asyncio.Task[list[Message]]:
    task = asyncio.ensure_future(call(app, path, root))
    await asyncio.sleep(0)
    return task


async def test_past_the_limit_a_request_gets_the_json_503_at_once() -> None:
    """With 2 requests in flight and a limit of 2, the third gets 503 overloaded in JSON,
    closing its connection; once they finish, requests pass again."""
    inner = HeldApp()
    app = limited(inner, 2, FakeClock())
    held = [await start(app, "/menu/a"), await start(app, "/healthz")]
    assert in_flight(app) == 2
    refused = await call(app, "/menu/a")
    assert refused[0]["status"] == 503
    headers = dict(refused[0]["headers"])
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"connection"] == b"close" and headers[b"retry-after"] == b"1"
    assert orjson.loads(refused[1]["body"])["error"] == "overloaded"
    inner.release.set()
    await asyncio.gather(*held)
    assert in_flight(app) == 0
    assert (await call(app, "/menu/a"))[0]["status"] == 200


async def test_event_streams_neither_count_nor_are_refused() -> None:
    """/events streams (under a root path too) pass a full limit and take no slot."""
    inner = HeldApp()
    app = limited(inner, 1, FakeClock())
    streams = [await start(app, "/events/r1"), await start(app, "/events/r1", "/toast")]
    assert in_flight(app) == 0
    held = await start(app, "/menu/a")
    assert in_flight(app) == 1
    more = await start(app, "/events/r2")
    assert (await call(app, "/toast/menu/a"))[0]["status"] == 503
    inner.release.set()
    for task in [*streams, held, more]:
        assert (await task)[0]["status"] == 200


async def test_lifespan_and_other_scopes_pass_through() -> None:
    """Non-HTTP scopes (lifespan) are not counted or refused."""
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    app = limited(inner, 1, FakeClock())
    assert app.limit is not None
    app.limit.in_flight = 1

    async def receive() -> Message:
        return {}

    async def send(message: Message) -> None:
        return None

    await app({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


async def test_refusals_are_logged_once_a_minute_with_their_count(
        caplog: pytest.LogCaptureFixture) -> None:
    """The first 503 logs a warning; more within WARN_EVERY seconds only count, and the
    next warning says how many there were."""
    clock = FakeClock()
    inner = HeldApp()
    app = limited(inner, 1, clock)
    held = await start(app, "/menu/a")
    with caplog.at_level(logging.WARNING, logger="toast_relay.api"):
        for _ in range(3):
            await call(app, "/menu/a")
        await clock.advance(WARN_EVERY - 1)
        await call(app, "/menu/a")
        assert len(caplog.records) == 1
        assert caplog.records[0].refused == 1  # type: ignore[attr-defined]
        await clock.advance(1)
        await call(app, "/menu/a")
    assert len(caplog.records) == 2
    assert caplog.records[1].refused == 4  # type: ignore[attr-defined]
    assert app.limit is not None and app.limit.refused == 5
    inner.release.set()
    await held
