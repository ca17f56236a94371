"""When the token manager may log in: the hourly budget, failure backoff, and a floor.

Pure bookkeeping on the injected clock's monotonic time; no I/O, so the rules are
tested without HTTP. Toast asks for "never more than two tokens in any one-hour
period" (docs/toast-api.md, login and tokens); failed logins back off exponentially.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from app.backoff import Backoff
from app.clock import Clock

HOUR = 3600.0
AUTH_BACKOFF = Backoff(30.0, 3600.0)  # rejected credentials: 30 s, 60 s, ... up to an hour
DOWN_BACKOFF = Backoff(10.0, 600.0)  # Toast unreachable or failing: 10 s, 20 s, ... up to 10 min
# A login that returned a token already unusable (clock trouble, or a host that
# keeps handing back a token about to expire): without this floor every request
# would log in again at once.
NO_TOKEN_FLOOR = 60.0


class LoginPolicy:
    def __init__(self, clock: Clock, logins_per_hour: int) -> None:
        self._clock = clock
        self.per_hour = logins_per_hour
        self._attempts: deque[float] = deque()
        self.failures = 0
        self.retry_at = 0.0
        self.unusable_grant_at: float | None = None

    def attempted(self) -> None:
        """Count a login request (whatever its outcome) against the hourly budget."""
        self._attempts.append(self._clock.monotonic())

    def failed(self, *, credentials_rejected: bool, at_least: float = 0.0) -> float:
        """Record a failed login; return the backoff in seconds before the next one."""
        self.failures += 1
        backoff = AUTH_BACKOFF if credentials_rejected else DOWN_BACKOFF
        delay = backoff.delay(self.failures, at_least=at_least)
        self.retry_at = self._clock.monotonic() + delay
        return delay

    def succeeded(self, *, usable: bool) -> None:
        """Record a login that returned a token (``usable``: not already about to expire)."""
        self.failures = 0
        self.unusable_grant_at = None if usable else self._clock.monotonic()

    def backoff_left(self) -> float:
        return self.retry_at - self._clock.monotonic() if self.failures else 0.0

    def in_last_hour(self) -> int:
        horizon = self._clock.monotonic() - HOUR
        while self._attempts and self._attempts[0] <= horizon:
            self._attempts.popleft()
        return len(self._attempts)

    def wait(self, *, valid_token: bool, floor: bool = True) -> float:
        """Seconds until a login is allowed (≤ 0 means now).

        With a valid token the hourly budget applies; without one a login is allowed
        beyond the budget (the board needs a token), held back only by failure backoff
        and the floor after a login whose token was unusable on arrival.
        """
        mono = self._clock.monotonic()
        wait = self.backoff_left()
        if valid_token and self.in_last_hour() >= self.per_hour:
            wait = max(wait, self._attempts[0] + HOUR - mono)
        elif not valid_token and floor and self.unusable_grant_at is not None:
            wait = max(wait, self.unusable_grant_at + NO_TOKEN_FLOOR - mono)
        return wait

    def wall_times(self) -> tuple[float, ...]:
        """Attempts of the last hour as UNIX times, for the token file."""
        self.in_last_hour()
        mono, wall = self._clock.monotonic(), self._clock.now()
        return tuple(wall - (mono - t) for t in self._attempts)

    def replace(self, wall_times: Iterable[float]) -> None:
        """Take the attempts recorded by all replicas (the shared budget) as ours."""
        self._attempts.clear()
        self.restore(wall_times)

    def restore(self, wall_times: Iterable[float]) -> None:
        """Reload attempts saved by a previous process, so the budget survives a restart."""
        mono, wall = self._clock.monotonic(), self._clock.now()
        self._attempts.extend(mono - (wall - t) for t in sorted(wall_times) if wall - t < HOUR)
