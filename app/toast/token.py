"""One Toast token per credential set: single-flight login, proactive refresh, budgets.

Toast facts behind the policy (NOTES §1.2):
- a login before the token's last minute returns the *same* token, so the proactive
  refresh runs inside the last ``refresh_window`` seconds, and a same-token answer is
  retried later in the window rather than in a loop;
- "never request more than two tokens in any one-hour period" and "reuse each token for
  at least 30 minutes": while a valid token is held, logins are budgeted per rolling
  hour; a 401 re-logs in at most once per 30 minutes for a token younger than that.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.clock import Clock, iso_utc
from app.config import Settings
from app.errors import ToastAuthError, ToastError, ToastRateLimited
from app.toast.limiter import Priority, UpstreamLimiter
from app.toast.login import (
    LEGACY_LOGIN_PATH,
    MACHINE_LOGIN_PATH,
    Credentials,
    Grant,
    describe,
    login_once,
)
from app.toast.login_policy import LoginPolicy
from app.toast.token_store import FileTokenStore, MemoryTokenStore, StoredToken, TokenStore

_EXPIRY_SKEW = 5.0  # a token this close to exp is not sent: it could expire in flight
_MIN_TOKEN_AGE = 1800.0  # Toast: reuse each token for at least 30 minutes
_SAME_TOKEN_GAP = 5.0  # least spacing of in-window retries after a same-token answer
_MAX_NAP = 3600.0  # the refresher re-reads the wall clock at least hourly


def _iso(t: float | None) -> str | None:
    return None if t is None else iso_utc(t)


def credentials_of(settings: Settings) -> Credentials:
    return Credentials(
        client_id=settings.toast_client_id, client_secret=settings.toast_client_secret,
        user_access_type=settings.toast_user_access_type, mode=settings.toast_auth_mode)


class TokenManager:
    """Holds the token; ``get_token`` for callers, ``run_refresher`` as a background task."""

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
        self._wake = asyncio.Event()
        if store is None:
            store = MemoryTokenStore() if token_file is None else FileTokenStore(
                token_file, self.owner(credentials, self._base_url), self._log)
        self._store = store
        self._restored = False

    @classmethod
    def from_settings(
        cls, settings: Settings, http: httpx.AsyncClient, clock: Clock,
        limiter: UpstreamLimiter, **kw: Any,
    ) -> TokenManager:
        creds = credentials_of(settings)
        data_dir = settings.relay_data_dir
        if "store" not in kw:
            kw.setdefault("token_file", data_dir / "token.json" if data_dir else None)
        return cls(http=http, base_url=settings.toast_api_url, credentials=creds, clock=clock,
                   limiter=limiter,
                   refresh_window=settings.toast_token_refresh_window,
                   logins_per_hour=settings.toast_logins_per_hour, **kw)

    @staticmethod
    def owner(credentials: Credentials, base_url: str) -> str:
        """Whose token a store holds: auth mode, client id and Toast host."""
        return f"{credentials.mode}:{credentials.client_id}@{base_url.rstrip('/')}"

    @classmethod
    def owner_of(cls, settings: Settings) -> str:
        return cls.owner(credentials_of(settings), settings.toast_api_url)

    async def close(self) -> None:
        await self._store.close()

    def __repr__(self) -> str:
        return (f"TokenManager(mode={self._creds.mode!r}, client_id={self._creds.client_id!r}, "
                f"expires_at={_iso(self._expires_at if self._token else None)!r})")

    # --- callers ---------------------------------------------------------------

    async def get_token(self) -> str:
        """A valid token, logging in (once, for every concurrent caller) when none is held."""
        if self._token is not None and self._usable():
            return self._token
        await self._restore()
        if self._token is not None and self._usable():
            return self._token
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if self._store.shared and await self._adopt_shared(avoid=self._rejected):
            assert self._token is not None
            return self._token
        self._check_gate(self._policy.wait(valid_token=False))
        return await asyncio.shield(self._start("expired" if self._token else "no token"))

    async def handle_unauthorized(self, token_used: str) -> str:
        """A data API answered 401 to ``token_used``: drop it, log in once, return the new one."""
        await self._restore()
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if self._token is not None and self._token != token_used and self._usable():
            return self._token  # another caller already replaced it
        if self._store.shared:
            await self._adopt_shared(avoid=token_used)  # another replica may have re-logged in
            if self._token is not None and self._token != token_used and self._usable():
                return self._token
        mono, wall = self._clock.monotonic(), self._clock.now()
        age = wall - self._obtained_at
        # At most one 401-driven login per 30 minutes, whatever the token's age: Toast hands
        # back the same token before its last minute, so a stubborn 401 would otherwise
        # turn every data call into a login (and Toast cuts off clients that over-login).
        if self._last_401_login is not None and mono - self._last_401_login < _MIN_TOKEN_AGE:
            wait = self._last_401_login + _MIN_TOKEN_AGE - mono
            detail = (f"Toast rejected (401) a token obtained {age:.0f} s ago, after a "
                      f"re-login; not logging in again for {math.ceil(wait)} s; check the API "
                      "client's scopes and the restaurant's access in Toast Web")
            self._log.error("%s", detail)
            raise ToastAuthError(detail, upstream_status=401)
        self._check_gate(self._policy.wait(valid_token=False, floor=False))
        self._last_401_login = mono
        if self._token == token_used:
            self._log.warning("Toast answered 401 to the current token; logging in again")
            self._rejected, self._token = self._token, None
            if not self._store.shared:  # shared: the login below replaces it under the lock
                await self._save()
        return await asyncio.shield(self._start("401", avoid=token_used))

    async def run_refresher(self) -> None:
        """Keep a token without waiting for requests; runs until cancelled."""
        await self._restore()
        while True:
            wait = self._refresher_wait()
            if wait > 0:
                await self._nap(wait)
                continue
            try:
                if self._inflight is not None:
                    await asyncio.shield(self._inflight)
                else:
                    await asyncio.shield(self._start("refresh" if self._usable() else "startup"))
            except ToastError:
                pass  # recorded by _login; the backoff sets the next wait
            except Exception:
                self._log.exception("token refresher failed; retrying in 60 s")
                await self._clock.sleep(60)

    def ready(self) -> tuple[bool, str]:
        """(True, why) while a token is held or can be obtained; (False, reason) otherwise."""
        if self._token is not None and self._usable():
            return True, f"Toast token valid until {_iso(self._expires_at)}"
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
        }

    # --- login -----------------------------------------------------------------

    def _start(self, reason: str, avoid: str | None = None) -> asyncio.Task[str]:
        task = asyncio.get_running_loop().create_task(self._login(reason, avoid))
        # Mark the outcome as retrieved so a caller cancelled mid-wait leaves no warning.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._inflight = task
        return task

    async def _login(self, reason: str, avoid: str | None) -> str:
        try:
            async with self._store.lock():
                if self._store.shared:
                    # Another replica may have logged in while we waited for the lock.
                    if await self._adopt_shared(avoid=avoid or self._token):
                        assert self._token is not None
                        return self._token
                    self._check_gate(self._policy.wait(valid_token=self._usable(),
                                                       floor=reason != "401"))
                return await self._login_now(reason)
        finally:
            self._inflight = None
            self._wake.set()

    async def _login_now(self, reason: str) -> str:
        path = MACHINE_LOGIN_PATH if self._creds.mode == "machine" else LEGACY_LOGIN_PATH
        await self._limiter.acquire(path, None, Priority.LOGIN)
        self._policy.attempted()
        if reason == "401":
            self._relogin_at = self._clock.now()
        try:
            grant = await login_once(self._http, self._base_url, self._creds,
                                     self._clock.now(), self._log)
        except ToastError as exc:
            if self._store.shared:
                await self._save()  # the attempt counts against everyone's budget
            raise self._failed(exc, reason) from None
        self._accept(grant, reason)
        await self._save()
        return grant.access_token

    async def _adopt_shared(self, *, avoid: str | None) -> bool:
        """Take the token another replica stored (not ``avoid``) and the shared budget."""
        stored = await self._store.load()
        if stored is None:
            return False
        self._policy.replace(stored.login_times)
        self._take_relogin(stored.relogin_at)
        if (not stored.usable(self._clock.now(), _EXPIRY_SKEW)
                or stored.access_token in (avoid, self._rejected)
                or (self._usable() and stored.expires_at <= self._expires_at)):
            return False
        self._token, self._expires_at = stored.access_token, stored.expires_at
        self._obtained_at, self._rejected, self._error = stored.obtained_at, None, None
        self._next_refresh = self._first_refresh(stored.expires_at)
        self._log.info("using the Toast token another replica obtained (valid until %s)",
                       _iso(stored.expires_at))
        return True

    def _take_relogin(self, relogin_at: float) -> None:
        if relogin_at > self._relogin_at:
            self._relogin_at = relogin_at
            self._last_401_login = self._clock.monotonic() - (self._clock.now() - relogin_at)

    def _failed(self, exc: ToastError, reason: str) -> ToastError:
        delay = self._policy.failed(
            credentials_rejected=describe(exc) != "unavailable",
            at_least=exc.retry_after if isinstance(exc, ToastRateLimited) else 0.0)
        self._error = exc
        self._record(describe(exc))
        self._log.warning("Toast login (%s) failed: %s", reason, self._error_text(delay))
        return self._error_now(delay)

    def _accept(self, grant: Grant, reason: str) -> None:
        wall = self._clock.now()
        same = grant.access_token in (self._token, self._rejected)
        if same and self._token is not None:
            # Toast hands back the same token until its last minute: try again later
            # in the window (halfway to expiry), not in a loop.
            retry = wall + max(_SAME_TOKEN_GAP, (grant.expires_at - wall) / 2)
            self._next_refresh = retry if retry < grant.expires_at - _EXPIRY_SKEW \
                else grant.expires_at
        else:
            self._next_refresh = self._first_refresh(grant.expires_at)
            if not same:
                self._obtained_at = wall
        if same and self._token is None:
            self._log.warning("Toast returned the token it had just rejected with 401")
        self._token, self._rejected, self._expires_at = grant.access_token, None, grant.expires_at
        self._error = None
        self._policy.succeeded(usable=self._usable())
        if not self._usable():
            self._log.warning("Toast returned a token that expires at %s, too soon to use; "
                              "next login in 60 s at the earliest", _iso(grant.expires_at))
        result = "same_token" if same else "ok"
        self._record(result)
        self._log.info("Toast login (%s): %s; token valid until %s", reason, result,
                       _iso(grant.expires_at))

    def _record(self, result: str) -> None:
        self._last_login = (self._clock.now(), result)
        if self._on_login is not None:
            try:
                self._on_login(result)
            except Exception:
                self._log.exception("on_login callback failed")

    # --- gates and timing ------------------------------------------------------

    def _usable(self) -> bool:
        return self._token is not None and self._clock.now() < self._expires_at - _EXPIRY_SKEW

    def _first_refresh(self, expires_at: float) -> float:
        # At exactly the window edge Toast may still answer with the same token
        # ("less than 60 s before exp"), so aim a little inside it.
        return expires_at - self._window + min(5.0, self._window / 6)

    def _check_gate(self, wait: float) -> None:
        if wait > 0:
            raise self._error_now(wait)

    def _refresher_wait(self) -> float:
        if self._inflight is not None:
            return 0.0
        if not self._usable():
            return self._policy.wait(valid_token=False)
        until_unusable = self._expires_at - _EXPIRY_SKEW - self._clock.now()
        due = (self._next_refresh or self._expires_at) - self._clock.now()
        return min(max(due, self._policy.wait(valid_token=True)), until_unusable)

    async def _nap(self, seconds: float) -> None:
        """Sleep on the clock, waking early when the token state changes."""
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._clock.sleep(min(seconds, _MAX_NAP)))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    # --- errors and persistence ------------------------------------------------

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
        await self._store.save(StoredToken(
            self._token or "", self._expires_at, self._obtained_at, self._policy.wall_times(),
            relogin_at=self._relogin_at))

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
        if stored.access_token and stored.expires_at - _EXPIRY_SKEW > self._clock.now():
            self._token, self._expires_at = stored.access_token, stored.expires_at
            self._obtained_at = stored.obtained_at
            self._next_refresh = self._first_refresh(stored.expires_at)
            self._log.info("reusing the stored Toast token (valid until %s)",
                           _iso(stored.expires_at))
