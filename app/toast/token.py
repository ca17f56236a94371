"""One Toast token per credential set: single-flight login, proactive refresh, budgets.

Toast facts behind the policy (docs/toast-api.md, login and tokens):
- a login before the token's last minute returns the *same* token, so the proactive
  refresh runs inside the last ``refresh_window`` seconds, and a same-token answer is
  retried later in the window rather than in a loop;
- "never request more than two tokens in any one-hour period" and "reuse each token for
  at least 30 minutes": while a valid token is held, logins are budgeted per rolling
  hour; a 401 re-logs in at most once per 30 minutes for a token younger than that.

What a 401 does (docs/toast-tokens.md): the refused token is never sent again, by this
replica or (through the store) any other; a token another replica obtained is taken at
once; a refusal that may not re-log in pauses calls to Toast instead of repeating them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.clock import Clock
from app.config import Settings
from app.errors import ToastAuthError, ToastError, ToastRateLimited
from app.toast.jwt import token_expiry
from app.toast.limiter import Priority, UpstreamLimiter
from app.toast.login import (
    LEGACY_LOGIN_PATH,
    MACHINE_LOGIN_PATH,
    Credentials,
    Grant,
    describe,
    login_once,
)
from app.toast.token_state import TokenState, _iso

_MIN_TOKEN_AGE = 1800.0  # Toast: reuse each token for at least 30 minutes
_SAME_TOKEN_GAP = 5.0  # least spacing of in-window retries after a same-token answer
_MAX_NAP = 3600.0  # the refresher re-reads the wall clock at least hourly


def credentials_of(settings: Settings, account: str | None = None) -> Credentials:
    """``account``: the name of the file account these settings are (errors name its
    fields instead of the TOAST_* variables)."""
    return Credentials(
        client_id=settings.toast_client_id, client_secret=settings.toast_client_secret,
        user_access_type=settings.toast_user_access_type, mode=settings.toast_auth_mode,
        account=account)


class TokenManager(TokenState):
    """Holds the token; ``get_token`` for callers, ``run_refresher`` as a background task."""

    @classmethod
    def from_settings(
        cls, settings: Settings, http: httpx.AsyncClient, clock: Clock,
        limiter: UpstreamLimiter, account: str | None = None, **kw: Any,
    ) -> TokenManager:
        """``account``: the file account's name (None for the TOAST_* variables)."""
        creds = credentials_of(settings, account)
        data_dir = settings.relay_data_dir
        if "store" not in kw:
            kw.setdefault("token_file", data_dir / "token.json" if data_dir else None)
        return cls(http=http, base_url=settings.toast_api_url, credentials=creds, clock=clock,
                   limiter=limiter,
                   refresh_window=settings.toast_token_refresh_window,
                   logins_per_hour=settings.toast_logins_per_hour, **kw)

    @classmethod
    def owner_of(cls, settings: Settings) -> str:
        return cls.owner(credentials_of(settings), settings.toast_api_url)

    def __repr__(self) -> str:
        return (f"TokenManager(mode={self._creds.mode!r}, client_id={self._creds.client_id!r}, "
                f"expires_at={_iso(self._expires_at if self._token else None)!r})")

    async def get_token(self) -> str:
        """A valid token, logging in (once, for every concurrent caller) when none is held."""
        if self._token is not None and self._usable():
            await self._look_at_shared()  # another replica may have had it refused
            if self._token is not None and self._usable():
                return self._token
        await self._restore()
        if self._token is not None and self._usable():
            return self._token
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if self._store.shared and (token := await self._take_shared(self._rejected)):
            return token
        if self._inflight is not None:  # another caller began a login while the store was read
            return await asyncio.shield(self._inflight)
        self._check_pause()
        self._check_gate(self._policy.wait(valid_token=False))
        return await asyncio.shield(self._start("expired" if self._token else "no token"))

    async def handle_unauthorized(self, token_used: str) -> str:
        """A data API answered 401 to ``token_used``: it is never sent again; return the
        token another caller or replica obtained, else log in once (at most one such
        re-login per 30 minutes; past it, a refusal of the token held pauses calls:
        ``ToastAuthError``; one of a token no longer held retries with the current one)."""
        await self._restore()
        held = self._token == token_used
        expires_at = self._expires_at if held else token_expiry(token_used)
        self._refuse(token_used)
        if held:
            self._log.warning("Toast answered 401 to the current token; not sending it again")
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if self._token is not None and self._usable():
            return self._token  # another caller already replaced it
        if self._store.shared and (token := await self._take_shared(token_used)):
            return token  # another replica (or caller, meanwhile) has a new one
        if self._inflight is not None:
            # Another caller refused the same token and began the re-login while the store
            # was read: this is the same refusal, not a second one (docs/toast-tokens.md).
            return await asyncio.shield(self._inflight)
        mono = self._clock.monotonic()
        # At most one 401-driven login per 30 minutes, whatever the token's age: Toast hands
        # back the same token before its last minute, so a stubborn 401 would otherwise
        # turn every data call into a login (and Toast cuts off clients that over-login).
        if self._last_401_login is not None and mono - self._last_401_login < _MIN_TOKEN_AGE:
            if not held:
                # A call sent before its token was refused or replaced: no second refusal
                # (only one of a token held now is), so it retries with the current token
                # and never pauses calls or keeps the re-login from running
                # (docs/toast-tokens.md, rule 4).
                return await self.get_token()
            return await self._refused_again(self._last_401_login + _MIN_TOKEN_AGE - mono,
                                             expires_at, token_used)
        self._check_gate(self._policy.wait(valid_token=False, floor=False))
        self._last_401_login = mono
        if not self._store.shared:  # shared: the login below saves under the lock
            await self._save()
        return await asyncio.shield(self._start("401", avoid=token_used))

    async def _take_shared(self, avoid: str | None) -> str | None:
        """A usable token other than ``avoid``: the one another replica stored, or the one
        another caller took while this one waited for the store."""
        await self._adopt_shared(avoid=avoid)
        if self._token is not None and self._token != avoid and self._usable():
            return self._token
        return None

    async def _refused_again(self, gate: float, expires_at: float | None,
                             token_used: str) -> str:
        """A 401 with no re-login allowed for ``gate`` seconds: pause calls to Toast until
        then, or until the refused token would have expired anyway (a login is due then
        whatever happened), unless a token that works turns up first."""
        now = self._clock.now()
        until = now + gate
        if expires_at is not None:
            until = min(until, expires_at - self._margin)
        if until <= now:
            return await self.get_token()  # it had expired: an ordinary login
        async with self._store.lock():
            if self._store.shared and (token := await self._take_shared(token_used)):
                return token
            if self._token is not None and self._usable():
                return self._token
            self._paused_until = max(self._paused_until, until)
            await self._save()  # tells the other replicas: not this token, and no logins
        detail = self._pause_text()
        self._log.error("%s", detail)
        raise ToastAuthError(detail, upstream_status=401)

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

    def _start(self, reason: str, avoid: str | None = None) -> asyncio.Task[str]:
        task = asyncio.get_running_loop().create_task(self._login(reason, avoid))
        # Mark the outcome as retrieved so a caller cancelled mid-wait leaves no warning.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._inflight = task
        return task

    async def _login(self, reason: str, avoid: str | None) -> str:
        # The token this login replaces, named before the lock is waited for: a token
        # taken meanwhile (another replica's, through a concurrent caller) is used, not
        # mistaken for a held valid one that would put a 401 re-login under the hourly
        # budget (docs/toast-tokens.md, rule 6).
        replaced = avoid or self._token
        try:
            async with self._store.lock() as locked:
                if self._store.shared:
                    # Another replica may have logged in while we waited for the lock.
                    if token := await self._take_shared(replaced):
                        return token
                    self._check_pause()  # another replica had the token refused meanwhile
                    alone = not locked and self._usable()
                    if alone and self._clock.now() < self._outage_refresh():
                        # No lock, so the others would log in too: wait toward the end
                        # of the token instead (docs/redis-outage.md).
                        self._next_refresh = self._outage_refresh()
                        assert self._token is not None
                        return self._token
                    # Alone at the deferred moment: past the hourly budget as the token's
                    # end would be, one replica at a time (docs/redis-outage.md).
                    self._check_gate(self._policy.wait(valid_token=self._usable() and not alone,
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
        if self._is_refused(grant.access_token):
            # Toast's own login answer hands it out again: that answer is Toast's word, so it
            # is sent again (once more; a second refusal pauses, see handle_unauthorized).
            self._forgive(grant.access_token)
        if same and self._token is not None:
            # Toast hands back the same token until its last minute: try again later
            # in the window (halfway to expiry), not in a loop.
            retry = wall + max(_SAME_TOKEN_GAP, (grant.expires_at - wall) / 2)
            self._next_refresh = retry if retry < grant.expires_at - self._margin \
                else grant.expires_at
        else:
            self._next_refresh = self._first_refresh(grant.expires_at)
            if not same:
                self._obtained_at = wall
        if same and self._token is None:
            self._log.warning("Toast returned the token it had just rejected with 401")
        self._token, self._rejected, self._expires_at = grant.access_token, None, grant.expires_at
        self._error, self._paused_until = None, 0.0
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
