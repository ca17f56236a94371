"""The session secret: RELAY_SESSION_SECRET, else one generated once and kept where every
replica (and the next start) finds it: Redis when REDIS_URL is set, else a 0600 file in
RELAY_DATA_DIR, else this process's memory (sessions then end at a restart)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path

from app.errors import NotReady
from app.files import atomic_write
from app.redis_link import RedisDown, RedisLink

log = logging.getLogger("toast_relay.console")
FILE_NAME = "session-secret"


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
    """Finds the secret once, on first use (Redis may be down at start-up)."""

    def __init__(self, configured: bytes | None, *, redis: RedisLink | None = None,
                 directory: Path | None = None) -> None:
        self._value = configured
        self._redis = redis
        self._directory = directory
        self._lock = asyncio.Lock()

    async def __call__(self) -> bytes:
        if self._value is not None:
            return self._value
        async with self._lock:
            if self._value is None:
                self._value = await self._load()
            return self._value

    async def _load(self) -> bytes:
        if self._redis is not None:
            link = self._redis
            key = link.key("console", "session-secret")
            try:
                # SET NX: the first replica's secret wins; every other one reads it.
                await link.call(link.client.set(key, secrets.token_urlsafe(48), nx=True))
                value = await link.call(link.client.get(key))
            except RedisDown:
                raise NotReady("the console's session secret is kept in Redis, which does "
                               "not answer; try again when it is back, or set "
                               "RELAY_SESSION_SECRET") from None
            if value:
                return value.encode() if isinstance(value, str) else value
        if self._directory is not None:
            return await asyncio.to_thread(file_secret, self._directory)
        log.warning("RELAY_SESSION_SECRET, RELAY_DATA_DIR and REDIS_URL are unset: console "
                    "sessions end when the relay restarts")
        return secrets.token_bytes(32)
