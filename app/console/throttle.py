"""How many wrong admin keys one client may try: a few freely, then slowed, then refused.

Pure bookkeeping on an injected clock: ``attempt`` says how long this attempt waits
(the caller awaits it, so only that request waits) or that it is refused (429) and
for how long. An attempt counts as a failure when it starts, and ``succeeded``
clears it: a burst sent in parallel is counted in full before any answer, so it
cannot slip past the count. A client is the address uvicorn resolved, which honours
``X-Forwarded-For`` only from RELAY_TRUSTED_PROXIES.

With Redis, ``SignInThrottle`` (``app/store/signin_attempts_redis.py``) counts the same
way in Redis, so every replica sees every attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.clock import Clock

FREE = 3
"""Wrong keys answered at once (a typo or two)."""
SLOWED = 2
"""Attempts after those that wait 1 s, then 2 s, ... before the answer."""
LOCK_SECONDS = 900.0
"""How long a client is refused (429) once it has used up both."""
FORGET_AFTER = 900.0
"""A client quiet for this long starts again from zero."""
MAX_CLIENTS = 10_000


@dataclass(frozen=True, slots=True)
class Verdict:
    delay: float = 0.0
    """Seconds to wait before checking the key."""
    refused_for: float = 0.0
    """Seconds until this client may try again; > 0 means answer 429 now."""


@dataclass(slots=True)
class _Record:
    failures: int
    last: float
    locked_until: float = 0.0


class Throttle:
    def __init__(self, clock: Clock, *, free: int = FREE, slowed: int = SLOWED,
                 lock_seconds: float = LOCK_SECONDS) -> None:
        self.clock = clock
        self.free = free
        self.slowed = slowed
        self.lock_seconds = lock_seconds
        self._clients: dict[str, _Record] = {}

    def attempt(self, client: str) -> Verdict:
        """Count one sign-in attempt by ``client`` and say what happens to it."""
        now = self.clock.monotonic()
        record = self._clients.pop(client, None)
        if record is None or (now - record.last > FORGET_AFTER
                              and record.locked_until <= now):
            record = _Record(0, now)
        self._keep(client, record)
        if record.locked_until > now:
            return Verdict(refused_for=record.locked_until - now)
        record.failures += 1
        record.last = now
        over = record.failures - self.free
        if over > self.slowed:
            record.locked_until = now + self.lock_seconds
            return Verdict(refused_for=self.lock_seconds)
        return Verdict(delay=float(2 ** (over - 1)) if over > 0 else 0.0)

    def succeeded(self, client: str) -> None:
        """The right key: this client starts again from zero."""
        self._clients.pop(client, None)

    def _keep(self, client: str, record: _Record) -> None:
        # Newest last: past the bound the client heard from longest ago is forgotten.
        while len(self._clients) >= MAX_CLIENTS:
            del self._clients[next(iter(self._clients))]
        self._clients[client] = record
