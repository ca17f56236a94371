"""The optional Redis connection that lets several replicas act as one relay.

``redis`` is an optional extra (``pip install 'toast-relay[redis]'``): it is
imported for type checking always and at run time inside ``try``, so the relay
runs without it and says what to install when ``REDIS_URL`` asks for it.

``RedisLink`` wraps the client with the key namespace (Toast API host and client
id, so several Toast accounts can share one Redis) and with the relay's view of
Redis's health: every call goes through ``call``, which turns any Redis or
network error into ``RedisDown``, logs the outage once, and runs the recovery
hooks (write local state back) when Redis answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from app.errors import ConfigError

if TYPE_CHECKING:
    from redis.asyncio import Redis

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - exercised by the "without the extra" test
    aioredis = None  # type: ignore[assignment]
    RedisError = OSError  # type: ignore[misc,assignment]

T = TypeVar("T")
CALL_TIMEOUT = 2.0
"""Seconds before a Redis call counts as failed (the hot path never waits on Redis)."""
RECOVERY_RETRY = 1.0
INSTALL_HINT = "pip install 'toast-relay[redis]'"


class RedisDown(Exception):
    """Redis did not answer; callers fall back to what this replica has."""


def connect(url: str) -> Redis:
    """A client for ``url`` (``redis://`` or ``rediss://``, password allowed); no I/O yet."""
    if aioredis is None:
        raise ConfigError(f"REDIS_URL is set but the Redis client is not installed; run "
                          f"{INSTALL_HINT} (or unset REDIS_URL to run one replica)")
    # One quick reconnect on a broken pooled connection (after a Redis restart) instead of
    # reporting an outage that is already over.
    client: Redis = aioredis.Redis.from_url(
        url, socket_timeout=CALL_TIMEOUT, socket_connect_timeout=CALL_TIMEOUT,
        health_check_interval=10, retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError])
    return client


def namespace(toast_api_url: str, client_id: str) -> str:
    """``toast-relay:<toast host>:<client id>:``: one Redis can serve several Toast accounts."""
    host = urlsplit(toast_api_url).netloc or toast_api_url
    return f"toast-relay:{host}:{client_id}:"


class RedisLink:
    def __init__(self, client: Redis, prefix: str, logger: logging.Logger | None = None) -> None:
        self.client = client
        self.prefix = prefix
        self.up = True
        self._log = logger or logging.getLogger("toast_relay.redis")
        self._recover: list[Callable[[], Awaitable[None]]] = []
        self._recovering: asyncio.Task[None] | None = None
        self._dirty = False
        self.outages = 0

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def on_recover(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` whenever Redis answers again after an outage (write state back)."""
        self._recover.append(hook)

    async def call(self, op: Awaitable[T]) -> T:
        """Await a Redis operation; ``RedisDown`` (logged once per outage) if it fails."""
        try:
            async with asyncio.timeout(CALL_TIMEOUT * 2):
                result = await op
        except (RedisError, OSError, TimeoutError) as exc:
            self.down(exc)
            raise RedisDown(str(exc)) from None
        if not self.up:
            self._back()
        return result

    async def listen(self, channel: str, me: str, *,
                     subscribed: Callable[[], Awaitable[None]],
                     heard: Callable[[str], Awaitable[None]]) -> None:
        """Follow ``channel``, whose messages read ``"<sender> <subject>"``.

        ``subscribed`` runs once the subscription stands (to catch up on what was missed
        while not listening); ``heard`` gets each subject another replica sent. Returns
        or raises when the connection ends; the caller decides when to listen again.
        """
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)
            await subscribed()
            async for message in pubsub.listen():
                data = message.get("data")
                if not isinstance(data, bytes):
                    continue
                sender, _, subject = data.decode(errors="replace").partition(" ")
                if sender != me and subject:
                    await heard(subject)
        finally:
            with contextlib.suppress(Exception):
                # Through a typed name: redis-py before 8 leaves PubSub.aclose
                # unannotated, 8 annotates it; either way this checks cleanly.
                close: Callable[[], Awaitable[None]] = pubsub.aclose
                await close()

    async def follow(self, channel: str, me: str, *,
                     subscribed: Callable[[], Awaitable[None]],
                     heard: Callable[[str], Awaitable[None]],
                     between: Callable[[], Awaitable[None]]) -> None:
        """``listen`` for good: after each break Redis is marked down, ``between`` runs
        (a pause, a probe), and the subscription starts again. Ends only when cancelled."""
        while True:
            try:
                await self.listen(channel, me, subscribed=subscribed, heard=heard)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.down(exc)
            await between()

    async def ping(self) -> bool:
        try:
            await self.call(self.client.ping())
        except RedisDown:
            return False
        return True

    def down(self, exc: BaseException) -> None:
        self._dirty = True
        if self.up:
            self.up = False
            self.outages += 1
            self._log.warning(
                "Redis unreachable (%s); serving what this replica has and counting Toast's "
                "budget locally until it is back", type(exc).__name__)

    def _back(self) -> None:
        self.up = True
        self._log.warning("Redis reachable again; writing this replica's state back")
        if self._recovering is None or self._recovering.done():
            self._recovering = asyncio.ensure_future(self._run_recovery())

    async def _run_recovery(self) -> None:
        """Write state back until it went through once after the last outage."""
        while self._dirty:
            self._dirty = False
            for hook in self._recover:
                try:
                    await hook()
                except RedisDown:
                    self._dirty = True
                    break
                except Exception:
                    self._log.exception("writing state back to Redis failed")
            if self._dirty:
                await asyncio.sleep(RECOVERY_RETRY)

    def status(self) -> dict[str, Any]:
        """For /admin/status and /readyz: never the URL (it may carry a password)."""
        return {"backend": "redis", "up": self.up, "outages": self.outages,
                "namespace": self.prefix}

    async def close(self) -> None:
        if self._recovering is not None:
            self._recovering.cancel()
        with contextlib.suppress(RedisError, OSError):
            await self.client.aclose()
