"""Who may sign in to the console, and as which account.

Today one key signs in: RELAY_ADMIN_KEY, which sees every account (``EVERY_ACCOUNT``;
the console shows the one account, ``default``). Per-account admin keys from an
accounts file slot into ``account_of``: it answers the account a key manages.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from app.clock import Clock
from app.console.sessions import EVERY_ACCOUNT, Sessions
from app.console.throttle import Throttle
from app.store.redis_link import RedisLink
from app.store.signin_attempts_redis import SignInThrottle

DEFAULT_ACCOUNT = "default"
"""The name the console shows for the account described by the TOAST_* settings."""


class Gate:
    """The console's sign-in: the keys, the sessions, the brute-force throttle."""

    def __init__(self, admin_key: SecretStr | None, sessions: Sessions, clock: Clock,
                 redis: RedisLink | None = None) -> None:
        self._admin_key = admin_key
        self.sessions = sessions
        self.throttle = SignInThrottle(Throttle(clock), redis)
        """Wrong keys per client address, counted in Redis (every replica) when set."""

    @property
    def enabled(self) -> bool:
        return self._admin_key is not None

    def account_of(self, presented: str) -> str | None:
        """The account ``presented`` signs in to; None for a wrong key (constant time)."""
        if self._admin_key is None or not presented:
            return None
        if hmac.compare_digest(presented.encode(), self._admin_key.get_secret_value().encode()):
            return EVERY_ACCOUNT
        return None
