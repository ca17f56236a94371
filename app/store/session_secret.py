"""The session secret: RELAY_SESSION_SECRET, else one generated once and kept where every
replica (and the next start) finds it: Redis when REDIS_URL is set, else a 0600 file in
RELAY_DATA_DIR, else this process's memory (sessions then end at a restart).

Kept in Redis, the secret is read again every ``RECHECK`` seconds: a Redis that restarted
empty (no persistence) gets this replica's secret back, or a replica started meanwhile
wrote its own and every replica takes that one, so they never stay split. Deleting the
key rotates the secret (every session ends)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from app.errors import NotReady
from app.files import atomic_write
from app.store.redis_link import RedisDown, RedisLink

log = logging.getLogger("toast_relay.console")
FILE_NAME = "session-secret"
RECHECK = 5.0
"""Seconds a secret read from Redis is used before Redis is asked again."""


def file_secret(directory: Path) -> bytes:
    """The secret in ``directory``, generated (mode 0600) the first time."""
    path = directory / FILE_NAME
    if path.exists():
        data = path.read_bytes().strip()
        if len(data) >= 32:
            return data
        log.warning("%s is too short; generating a new session secret", path)
    data = secrets.token_urlsafe(48).encode()
    atomic_write(path, data + b"\n", mode=0o600)
    return data


class SecretSource:
    """Finds the secret on first use (Redis may be down at start-up), then keeps it;
    one kept in Redis is checked again every ``RECHECK`` seconds."""

    def __init__(self, configured: bytes | None, *, redis: RedisLink | None = None,
                 directory: Path | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._value = configured
        self._fixed = configured is not None
        self._redis = redis
        self._directory = directory
        self._monotonic = monotonic
        self._checked = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self) -> bytes:
        if self._value is not None and (
                self._fixed or self._redis is None
                or self._monotonic() - self._checked < RECHECK):
            return self._value
        async with self._lock:
            if self._value is None:
                self._value = await self._load()
            elif self._monotonic() - self._checked >= RECHECK:
                self._value = await self._recheck(self._value)
            return self._value

    async def _load(self) -> bytes:
        if self._redis is not None:
            try:
                value = await self._shared(secrets.token_urlsafe(48).encode())
            except RedisDown:
                raise NotReady("the console's session secret is kept in Redis, which does "
                               "not answer; try again when it is back, or set "
                               "RELAY_SESSION_SECRET") from None
            if value:
                return value
        if self._directory is not None:
            return await asyncio.to_thread(file_secret, self._directory)
        log.warning("RELAY_SESSION_SECRET, RELAY_DATA_DIR and REDIS_URL are unset: console "
                    "sessions end when the relay restarts")
        return secrets.token_bytes(32)

    async def _recheck(self, current: bytes) -> bytes:
        """The secret in Redis now (ours put back if Redis lost it); ours while it is down."""
        self._checked = self._monotonic()  # down: the next try waits RECHECK too
        try:
            value = await self._shared(current)
        except RedisDown:
            return current
        if value and value != current:
            log.warning("the console's session secret in Redis changed (Redis lost its data "
                        "or the key was deleted); using the shared one: earlier sessions end")
        return value or current

    async def _shared(self, offer: bytes) -> bytes | None:
        """SET NX ``offer``: the first replica's secret wins; every other one reads it."""
        assert self._redis is not None
        link = self._redis
        key = link.key("console", "session-secret")
        await link.call(link.client.set(key, offer, nx=True))
        value = await link.call(link.client.get(key))
        self._checked = self._monotonic()
        if value is None:
            return None
        return value.encode() if isinstance(value, str) else bytes(value)
