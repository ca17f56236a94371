"""The console's sessions: a signed cookie naming a session kept on the server.

The cookie is ``<id>.<expires>.<mac>``: a random id, the UNIX second it stops
working and an HMAC of both under the session secret. It never holds the key.
The session itself (who signed in, its CSRF token) lives in a store, memory or
Redis, under a hash of the id, so signing out deletes it and a copied cookie stops
working at once; a cookie whose MAC or expiry is wrong is refused without asking
the store. A new id is made at every sign-in, so an id planted before it (session
fixation) is never the one that gets signed in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson

from app.clock import Clock
from app.store.sessions import SessionStore

SESSION_SECONDS = 12 * 3600
COOKIE = "relay_console"
EVERY_ACCOUNT = "*"
"""The account of a session signed in with RELAY_ADMIN_KEY: it sees every account."""


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    account: str
    """Whose restaurants and screens it sees: the account whose admin key signed in
    (``EVERY_ACCOUNT`` for RELAY_ADMIN_KEY)."""
    csrf: str
    expires: float

    def encode(self) -> bytes:
        return orjson.dumps({"account": self.account, "csrf": self.csrf,
                             "expires": self.expires})

    @classmethod
    def decode(cls, sid: str, data: bytes) -> Session:
        raw = orjson.loads(data)
        # A record without an account was written when only RELAY_ADMIN_KEY signed in.
        return cls(sid, str(raw.get("account", EVERY_ACCOUNT)), str(raw["csrf"]),
                   float(raw["expires"]))


def store_key(sid: str) -> str:
    """Where a session is kept: a hash of its id, so a store dump holds no usable cookie."""
    return hashlib.sha256(sid.encode()).hexdigest()


def sign(secret: bytes, sid: str, expires: int) -> str:
    """The cookie value for ``sid`` until ``expires``."""
    mac = hmac.new(secret, f"{sid}.{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{sid}.{expires}.{mac}"


def verify(secret: bytes, cookie: str, now: float) -> str | None:
    """The session id in ``cookie`` if its MAC is right and it has not expired, else None."""
    parts = cookie.split(".")
    if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
        return None
    sid, expires, _ = parts
    if not hmac.compare_digest(sign(secret, sid, int(expires)), cookie):
        return None
    return sid if now < int(expires) else None


class Sessions:
    """Sign in (a new session and its cookie), look a cookie up, sign out."""

    def __init__(self, store: SessionStore, clock: Clock,
                 secret: Callable[[], Awaitable[bytes]]) -> None:
        self.store = store
        self.clock = clock
        self._secret = secret

    async def create(self, account: str) -> tuple[Session, str]:
        """A new session (new id, new CSRF token) and the cookie value naming it."""
        expires = int(self.clock.now()) + SESSION_SECONDS
        session = Session(secrets.token_urlsafe(32), account, secrets.token_urlsafe(32),
                          expires)
        await self.store.put(store_key(session.sid), session.encode(), SESSION_SECONDS)
        return session, sign(await self._secret(), session.sid, expires)

    async def find(self, cookie: str | None) -> Session | None:
        """The live session ``cookie`` names; None when it is forged, expired or ended."""
        if not cookie:
            return None
        now = self.clock.now()
        sid = verify(await self._secret(), cookie, now)
        if sid is None:
            return None
        data = await self.store.get(store_key(sid))
        if data is None:
            return None
        session = Session.decode(sid, data)
        return session if now < session.expires else None

    async def end(self, session: Session) -> None:
        """Sign out: the session is gone from the store, so its cookie no longer works."""
        await self.store.delete(store_key(session.sid))
