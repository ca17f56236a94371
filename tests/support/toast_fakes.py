"""Fakes for the Toast client-side tests: a login endpoint, a recording clock, a driver."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from app.clock import FakeClock
from app.store.tokens import MemoryTokenStore, StoredToken
from app.toast.limiter import UpstreamLimiter
from app.toast.login import Credentials
from app.toast.token import TokenManager

BASE = "https://toast.test"
SECRET = "s3cr3t-client-secret-value"
CLIENT_ID = "client-id-123"
RESTAURANT = "6b1b4c9e-1c0c-4d6f-9a52-0d4c2f3c8a11"
OTHER_RESTAURANT = "0e5b7d1e-8a52-4c1b-b0d4-7a9d9a8e6f22"
T = TypeVar("T")


def make_jwt(exp: float, serial: int = 1) -> str:
    """An unsigned JWT whose payload carries ``exp`` (and a serial to make tokens differ)."""
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none'})}.{part({'exp': int(exp), 'n': serial})}.sig{serial}"


class RecordingClock(FakeClock):
    """A FakeClock that remembers every sleep it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await super().sleep(seconds)


class FakeAuth:
    """Toast's login endpoints: the same token until its last minute (docs/toast-api.md)."""

    def __init__(self, clock: FakeClock, lifetime: float = 86400.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.requests: list[httpx.Request] = []
        self.login_times: list[float] = []
        self.serial = 0
        self.token: str | None = None
        self.exp = 0.0
        self.new_token_before = 60.0  # a login this close to exp gets a new token
        self.reject = False
        self.fail_status: int | None = None
        self.connect_error = False
        self.jwt = True
        self.echo_secret_in_error = False
        self.expires_in: int | None = None  # answer this instead of the time remaining

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.login_times.append(self.clock.monotonic())
        await asyncio.sleep(0)  # let concurrent callers pile up while the login is "in flight"
        if self.connect_error:
            raise httpx.ConnectError("connection refused", request=request)
        if self.reject:
            body: dict[str, Any] = {"status": "401", "code": 0, "requestId": "req-401",
                                    "message": "Invalid client credentials"}
            if self.echo_secret_in_error:
                body["developerMessage"] = f"bad secret {SECRET}"
            return httpx.Response(401, json=body)
        if self.fail_status is not None:
            return httpx.Response(self.fail_status, headers={"Retry-After": "120"}, json={})
        now = self.clock.now()
        if self.token is None or now >= self.exp - self.new_token_before:
            self.serial += 1
            self.exp = now + self.lifetime
            self.token = make_jwt(self.exp, self.serial) if self.jwt else f"opaque-{self.serial}"
        remaining = int(self.exp - now) if self.expires_in is None else self.expires_in
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json={
                "access_token": self.token, "expires_in": remaining, "token_type": "bearer"})
        return httpx.Response(200, json={
            "@class": ".SuccessfulResponse", "status": "SUCCESS",
            "token": {"tokenType": "Bearer", "scope": None, "expiresIn": remaining,
                      "accessToken": self.token, "idToken": None, "refreshToken": None}})


def credentials(mode: str = "machine") -> Credentials:
    return Credentials(client_id=CLIENT_ID, client_secret=SecretStr(SECRET),
                       user_access_type="TOAST_MACHINE_CLIENT",
                       mode="legacy" if mode == "legacy" else "machine")


def manager(clock: FakeClock, http: httpx.AsyncClient, **kw: Any) -> TokenManager:
    kw.setdefault("credentials", credentials())
    kw.setdefault("limiter", UpstreamLimiter(clock))
    return TokenManager(http=http, base_url=BASE, clock=clock, **kw)


async def drive(clock: FakeClock, aw: Awaitable[T], step: float = 0.25,
                limit: float = 100_000.0) -> T:
    """Run ``aw`` to completion, moving the fake clock forward only while it waits."""
    task = asyncio.ensure_future(aw)
    start = clock.monotonic()
    while clock.monotonic() - start < limit:
        for _ in range(50):
            if task.done():
                return task.result()
            await asyncio.sleep(0)
        await clock.advance(step)
    task.cancel()
    raise AssertionError("did not finish within the fake time limit")


class SharedStore(MemoryTokenStore):
    """One record several managers read and write, as replicas share Redis; each read and
    write yields once, as a round trip to Redis would (no lock: one login at a time here)."""

    shared = True

    async def _round_trip(self) -> None:
        await asyncio.sleep(0)

    async def load(self) -> StoredToken | None:
        await self._round_trip()
        return await super().load()

    async def save(self, token: StoredToken) -> None:
        await self._round_trip()
        await super().save(token)

    async def peek(self) -> StoredToken | None:
        return await self.load()


class LockingSharedStore(SharedStore):
    """A SharedStore with Redis's login lock: one holder at a time, in the order asked.
    ``delays`` gives the extra yields of each next round trip (read, write or lock), so a
    test can vary how concurrent callers interleave; past its end, one yield each."""

    def __init__(self, delays: Iterable[int] = ()) -> None:
        super().__init__()
        self._held = asyncio.Lock()
        self._delays = iter(delays)

    async def _round_trip(self) -> None:
        for _ in range(1 + next(self._delays, 0)):
            await asyncio.sleep(0)

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[bool]:
        await self._round_trip()
        async with self._held:
            yield True
