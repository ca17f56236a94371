"""Where the console's sessions are kept: the seam, and this process's memory.

The Redis implementation, which every replica sees, is ``app/store/sessions_redis.py``;
``app/store/backends.py`` chooses. What a session holds and how its cookie is signed is
the console's (``app/console/sessions.py``).
"""

from __future__ import annotations

import abc

MAX_LOCAL = 10_000
"""Sessions one process keeps in memory; the oldest go first past this."""


class SessionStore(abc.ABC):
    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def put(self, key: str, data: bytes, seconds: int) -> None: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...


class MemorySessions(SessionStore):
    """One process's sessions (a restart signs everyone out)."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    async def put(self, key: str, data: bytes, seconds: int) -> None:
        # Expiry is checked on every read; the bound keeps sign-in floods from growing it.
        while len(self._data) >= MAX_LOCAL:
            del self._data[next(iter(self._data))]
        self._data[key] = data

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)
