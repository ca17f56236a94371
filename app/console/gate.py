"""Who may sign in to the console, and as which account.

Every admin key signs in: RELAY_ADMIN_KEY to every account (``EVERY_ACCOUNT``), an
account's ``admin_key`` to that account only (docs/console.md, accounts). The keys are
the relay's ``KeyRing``, so a reloaded accounts file changes who may sign in at once.
"""

from __future__ import annotations

from app.access import KeyRing
from app.clock import Clock
from app.console.sessions import Sessions
from app.console.throttle import Throttle
from app.errors import Unauthorized
from app.store.redis_link import RedisLink
from app.store.signin_attempts_redis import SignInThrottle


class Gate:
    """The console's sign-in: the keys, the sessions, the brute-force throttle."""

    def __init__(self, keys: KeyRing, sessions: Sessions, clock: Clock,
                 redis: RedisLink | None = None) -> None:
        self._keys = keys
        self.sessions = sessions
        self.throttle = SignInThrottle(Throttle(clock), redis)
        """Wrong keys per client address, counted in Redis (every replica) when set."""

    @property
    def enabled(self) -> bool:
        return self._keys.any_admin

    def account_of(self, presented: str) -> str | None:
        """The account ``presented`` signs in to (``*``: all of them); None for a wrong
        key. ``KeyRing.admin`` compares against every admin key in constant time."""
        try:
            return self._keys.admin(presented)
        except Unauthorized:
            return None
