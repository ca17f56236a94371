"""What the token manager holds and how it is kept: the token, its timing, the login
budget, the store it is saved to (shared with other replicas through Redis), and how
that state reads on status pages and in errors. The login flow is in ``token.py``."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.clock import Clock, iso_utc
from app.errors import ToastAuthError, ToastError, ToastRateLimited
from app.store.outage import outage_refresh_at
from app.store.tokens import (
    REFUSED_KEPT,
    FileTokenStore,
    MemoryTokenStore,
    StoredToken,
    TokenStore,
    fingerprint,
)
from app.toast.limiter import UpstreamLimiter
from app.toast.login import Credentials
from app.toast.login_policy import LoginPolicy
from app.toast.token_margin import expiry_margin as expiry_margin

SHARED_LOOK = 1.0
"""Seconds between looks at the shared record while a token is held: a token another
replica had refused is then dropped (and a newer one taken) before it is sent again."""


def _iso(t: float | None) -> str | None:
    return None if t is None else iso_utc(t)


class TokenState:
    """The token, its timing and its store; ``TokenManager`` adds the login flow."""

    def __init__(
        self, *, http: httpx.AsyncClient, base_url: str, credentials: Credentials, clock: Clock,
        refresh_window: float = 60, logins_per_hour: int = 2, token_file: Path | None = None,
        store: TokenStore | None = None, logger: logging.Logger | None = None,
        on_login: Callable[[str], None] | None = None, limiter: UpstreamLimiter,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._creds = credentials
        self._clock = clock
        self._window = refresh_window
        self._margin = expiry_margin(refresh_window)
        self._per_hour = logins_per_hour
        self._log = logger or logging.getLogger("app.toast.token")
        self._on_login = on_login
        # Logins go through the upstream limiter like every other call to Toast:
        # they count in the client's budget, first in line.
        self._limiter = limiter
        self._token: str | None = None
        self._rejected: str | None = None
        self._expires_at = 0.0
        self._obtained_at = 0.0
        self._next_refresh: float | None = None
        self._policy = LoginPolicy(clock, logins_per_hour)
        self._inflight: asyncio.Task[str] | None = None
        self._error: ToastError | None = None
        self._last_login: tuple[float, str] | None = None
        self._last_401_login: float | None = None
        self._relogin_at = 0.0
        # Tokens Toast refused with 401 are never sent again (docs/toast-tokens.md): the
        # refusals the store's record lists, and this replica's own not yet saved there.
        self._shared_refused: tuple[str, ...] = ()
        self._own_refused: list[str] = []
        self._paused_until = 0.0
        self._next_look = 0.0
        self._looking = asyncio.Lock()
        """Wall time until which no call goes to Toast: a token was refused again after
        the one allowed re-login (shared through the store)."""
        self._wake = asyncio.Event()
        if store is None:
            store = MemoryTokenStore() if token_file is None else FileTokenStore(
                token_file, self.owner(credentials, self._base_url), self._log)
        self._store = store
        self._restored = False

    @staticmethod
    def owner(credentials: Credentials, base_url: str) -> str:
        """Whose token a store holds: auth mode, client id and Toast host."""
        return f"{credentials.mode}:{credentials.client_id}@{base_url.rstrip('/')}"

    async def close(self) -> None:
        await self._store.close()

    def ready(self) -> tuple[bool, str]:
        """(True, why) while a token is held or can be obtained; (False, reason) otherwise."""
        if self._token is not None and self._usable():
            return True, f"Toast token valid until {_iso(self._expires_at)}"
        if self._paused_left() > 0:
            # Screens are still served from the copies held: stay in the load balancer.
            return True, self._pause_text()
        if self._error is not None:
            return False, self._error_text(self._policy.backoff_left())
        if self._inflight is not None:
            return True, "logging in to Toast"
        return True, "no Toast token yet; one is fetched on first use"

    def expires_at(self) -> float | None:
        """When the held token expires (UNIX seconds), or None without a usable token."""
        return self._expires_at if self._token is not None and self._usable() else None

    def status(self) -> dict[str, object]:
        """Token state for /admin/status and ``check``: never the token itself."""
        now = self._clock.now()
        held = self._token is not None and self._usable()
        wait = self._refresher_wait()
        return {
            "mode": self._creds.mode,
            "expiresAt": _iso(self._expires_at) if held else None,
            "ageSeconds": round(now - self._obtained_at) if held else None,
            "lastLogin": None if self._last_login is None else {
                "at": _iso(self._last_login[0]), "result": self._last_login[1]},
            "nextRefresh": _iso(now + max(0.0, wait)),
            "loginsLastHour": self._policy.in_last_hour(),
            "loginsPerHour": self._per_hour,
            "refreshWindow": self._window,
            "error": None if self._error is None else self._error_text(
                self._policy.backoff_left()),
            "pausedUntil": _iso(self._paused_until) if not held and self._paused_left() > 0
            else None,
        }

    async def _look_at_shared(self) -> None:
        """At most every ``SHARED_LOOK`` seconds, while calls are made: what the other
        replicas stored (a refusal, a pause, a newer token), without waiting on Redis."""
        if not self._store.shared:
            return
        # Calls made during a look wait for it: none leaves with a token it would drop.
        async with self._looking:
            mono = self._clock.monotonic()
            if mono < self._next_look:
                return
            self._next_look = mono + SHARED_LOOK
            stored = await self._store.peek()
            if stored is not None:
                self._adopt(stored, avoid=None)

    async def _adopt_shared(self, *, avoid: str | None) -> bool:
        """Take the token another replica stored (not ``avoid``) and the shared budget."""
        stored = await self._store.load()
        if stored is None:
            return False
        return self._adopt(stored, avoid=avoid)

    def _adopt(self, stored: StoredToken, *, avoid: str | None) -> bool:
        self._policy.replace(stored.login_times)
        self._take_relogin(stored.relogin_at)
        self._take_refusals(stored)
        # A held token counts only while it is not refused: a refused one never outranks
        # the one another replica obtained, however much later it would expire.
        if (not stored.usable(self._clock.now(), self._margin)
                or stored.access_token in (avoid, self._rejected)
                or self._is_refused(stored.access_token)
                or (self._usable() and stored.expires_at <= self._expires_at)):
            return False
        self._token, self._expires_at = stored.access_token, stored.expires_at
        self._obtained_at, self._rejected, self._error = stored.obtained_at, None, None
        self._paused_until = 0.0
        self._next_refresh = self._first_refresh(stored.expires_at)
        self._wake.set()  # the refresher plans for this token now
        self._log.info("using the Toast token another replica obtained (valid until %s)",
                       _iso(stored.expires_at))
        return True

    def _is_refused(self, token: str) -> bool:
        mark = fingerprint(token)
        return mark in self._own_refused or mark in self._shared_refused

    def _refuse(self, token: str) -> None:
        """Toast answered 401 to ``token``: this replica never sends it again, and the
        next record saved tells the others."""
        mark = fingerprint(token)
        if mark not in self._own_refused:
            self._own_refused = [*self._own_refused, mark][-REFUSED_KEPT:]
        if self._token == token:
            self._rejected, self._token = token, None

    def _forgive(self, token: str) -> None:
        """Toast's own login answer handed ``token`` out again: it may be sent again."""
        mark = fingerprint(token)
        self._own_refused = [m for m in self._own_refused if m != mark]
        self._shared_refused = tuple(m for m in self._shared_refused if m != mark)

    def _take_refusals(self, stored: StoredToken) -> None:
        """The refusals and pause a stored record names; a held token it refuses is dropped."""
        self._shared_refused = stored.refused
        self._paused_until = max(self._paused_until, stored.paused_until)
        if self._token is not None and self._is_refused(self._token):
            self._log.warning("another replica had the Toast token refused (401); "
                              "not sending it again")
            self._rejected, self._token = self._token, None

    def _paused_left(self) -> float:
        return self._paused_until - self._clock.now()

    def _pause_text(self) -> str:
        return (f"Toast refused (401) the token again after a re-login; not logging in "
                f"again and no calls to Toast "
                f"until {_iso(self._paused_until)} (next try in "
                f"{max(0, math.ceil(self._paused_left()))} s) unless another replica "
                "obtains a token first; check the API client's scopes and the restaurant's "
                "access in Toast Web")

    def _check_pause(self) -> None:
        if self._paused_left() > 0:
            raise ToastAuthError(self._pause_text(), upstream_status=401)

    def _take_relogin(self, relogin_at: float) -> None:
        if relogin_at > self._relogin_at:
            self._relogin_at = relogin_at
            self._last_401_login = self._clock.monotonic() - (self._clock.now() - relogin_at)

    def _usable(self) -> bool:
        return self._token is not None and self._clock.now() < self._expires_at - self._margin

    def _first_refresh(self, expires_at: float) -> float:
        # At exactly the window edge Toast may still answer with the same token
        # ("less than 60 s before exp"), so aim a little inside it.
        return expires_at - self._window + min(5.0, self._window / 6)

    def _check_gate(self, wait: float) -> None:
        if wait > 0:
            raise self._error_now(wait)

    def _error_text(self, wait: float) -> str:
        base = self._error.detail if self._error is not None else "no valid Toast token"
        return f"{base}; next try in {max(0, math.ceil(wait))} s"

    def _error_now(self, wait: float) -> ToastError:
        err = self._error
        detail = self._error_text(wait)
        if err is None:
            return ToastRateLimited(
                f"no valid Toast token and logins are paused; next try in {math.ceil(wait)} s",
                retry_after=wait)
        kw: dict[str, Any] = {"upstream_status": err.upstream_status, "endpoint": err.endpoint,
                              "request_id": err.request_id}
        if isinstance(err, ToastRateLimited):
            return ToastRateLimited(detail, retry_after=max(wait, 0.0), **kw)
        return type(err)(detail, **kw)

    async def _save(self) -> None:
        refused = tuple(dict.fromkeys((*self._shared_refused, *self._own_refused)))
        refused = refused[-REFUSED_KEPT:]
        await self._store.save(StoredToken(
            self._token or "", self._expires_at, self._obtained_at, self._policy.wall_times(),
            relogin_at=self._relogin_at, refused=refused, paused_until=self._paused_until))
        self._shared_refused, self._own_refused = refused, []

    async def _restore(self) -> None:
        """Once per process: take up the token and login times a previous run stored."""
        if self._restored:
            return
        self._restored = True
        stored = await self._store.load()
        if stored is None:
            return
        self._policy.restore(stored.login_times)
        self._take_relogin(stored.relogin_at)
        self._take_refusals(stored)
        if stored.usable(self._clock.now(), self._margin) \
                and not self._is_refused(stored.access_token):
            self._token, self._expires_at = stored.access_token, stored.expires_at
            self._obtained_at = stored.obtained_at
            self._next_refresh = self._first_refresh(stored.expires_at)
            self._log.info("reusing the stored Toast token (valid until %s)",
                           _iso(stored.expires_at))

    def _refresher_wait(self) -> float:
        if self._inflight is not None:
            return 0.0
        if not self._usable():
            return max(self._policy.wait(valid_token=False), self._paused_left())
        now = self._clock.now()
        until_unusable = self._expires_at - self._margin - now
        due = (self._next_refresh or self._expires_at) - now
        if self._store.shared and not self._store.reachable:
            # No lock to share a refresh through: each replica's own deferred moment,
            # ahead of the hourly budget, which would only bring every replica to the
            # token's end at the same instant (a login is allowed beyond it there).
            due = max(due, self._outage_refresh() - now)
            return min(max(due, self._policy.backoff_left()), until_unusable)
        return min(max(due, self._policy.wait(valid_token=True)), until_unusable)

    def _outage_refresh(self) -> float:
        """When to refresh the held token while the shared store is unreachable."""
        return outage_refresh_at(self._expires_at, self._margin,
                                 self._first_refresh(self._expires_at), self._store.phase)
