"""Toast-like access tokens: JWT-shaped, HMAC-signed with a key private to the sim.

Toast returns the same token (with the same expiry) to every login made before
the token's last minute; only a login in the last 60 s, or after expiry, gets a
new one. ``TokenStore`` reproduces that rule per client id (the window is
settable, for short-token tests). Toast may also revoke every token at once;
``revoke`` does that, and ``Refusals`` counts calls that kept sending a token
after Toast had refused it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

import orjson

from app.clock import Clock

# Toast issues a new token only in the current token's last minute.
RENEW_WINDOW = 60.0
REPEAT_GRACE = 2.0
"""Seconds after a token's first refusal during which more calls with it still count as
sent before the news could arrive (calls in flight, another replica's next check)."""
SCOPES = ["menus:read", "stock:read", "restaurants:read"]


@dataclass(frozen=True)
class Token:
    client_id: str
    access_token: str
    issued_at: int
    expires_at: int
    jti: str

    def __repr__(self) -> str:  # the token itself never goes into a repr
        return f"Token(client_id={self.client_id!r}, expires_at={self.expires_at})"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenStore:
    def __init__(self, clock: Clock, lifetime: float) -> None:
        self._clock = clock
        self.lifetime = lifetime
        self.renew_window = RENEW_WINDOW
        self._key = secrets.token_bytes(32)
        self._current: dict[str, Token] = {}
        self._issued: dict[str, Token] = {}
        self._revoked: dict[str, Token] = {}

    def login(self, client_id: str) -> tuple[Token, bool]:
        """The token to hand out now, and whether it was newly issued."""
        now = self._clock.now()
        current = self._current.get(client_id)
        if current is not None and now < current.expires_at - self.renew_window:
            return current, False
        token = self._issue(client_id, now)
        self._current[client_id] = token
        self._issued[token.access_token] = token
        return token, True

    def _issue(self, client_id: str, now: float) -> Token:
        iat = int(now)
        exp = iat + int(self.lifetime)
        jti = str(uuid.uuid4())
        header = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
        payload = _b64(orjson.dumps({
            "iss": "toast-sim", "sub": client_id, "iat": iat, "exp": exp,
            "scope": " ".join(SCOPES), "jti": jti,
        }))
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = _b64(hmac.new(self._key, signing_input, hashlib.sha256).digest())
        return Token(client_id, f"{header}.{payload}.{signature}", iat, exp, jti)

    def lookup(self, access_token: str) -> Token | None:
        """The token if this sim issued it and its signature holds (expired or not)."""
        token = self._issued.get(access_token)
        if token is None:
            return None
        head, _, signature = access_token.rpartition(".")
        expected = _b64(hmac.new(self._key, head.encode("ascii"), hashlib.sha256).digest())
        return token if hmac.compare_digest(signature, expected) else None

    def owner(self, access_token: str) -> str | None:
        """The client a token this sim issued belongs to (live, expired or revoked), without
        judging it: injected faults and counters go by client before the token is checked."""
        token = self._issued.get(access_token) or self._revoked.get(access_token)
        return token.client_id if token is not None else None

    def revoked(self, access_token: str) -> Token | None:
        """The token if this sim issued it and then revoked it (``lookup`` refuses those)."""
        return self._revoked.get(access_token)

    def revoke(self) -> int:
        """Toast revokes every token: each is refused from now on, and the next login of
        every client gets a new one. Returns how many live tokens were revoked."""
        now = self._clock.now()
        live = sum(1 for t in self._issued.values() if now < t.expires_at)
        self._revoked.update(self._issued)
        self._issued.clear()
        self._current.clear()
        return live

    def is_expired(self, token: Token) -> bool:
        return self._clock.now() >= token.expires_at

    def remaining(self, token: Token) -> int:
        """Seconds left: what Toast reports as ``expiresIn`` (not the full lifetime)."""
        # Whole seconds, like the JWT claims, so a fresh token reports its full lifetime.
        return max(0, token.expires_at - int(self._clock.now()))

    def forget(self) -> None:
        self._current.clear()
        self._issued.clear()
        self._revoked.clear()


class Refusals:
    """Calls refused for the token they carried (revoked or expired), per token.

    A refusal is a *repeat* when the same token had been refused ``grace`` seconds or
    more before: by then the sender had its answer (or another replica's new token) and
    should never have sent that token again.
    """

    def __init__(self, grace: float = REPEAT_GRACE) -> None:
        self.grace = grace
        self.calls = 0
        self.repeats = 0
        self._first: dict[str, float] = {}

    def refuse(self, jti: str, now: float) -> bool:
        """Count one refused call made with token ``jti`` at ``now``; True if a repeat."""
        first = self._first.setdefault(jti, now)
        repeat = now - first >= self.grace
        self.calls += 1
        self.repeats += int(repeat)
        return repeat

    @property
    def tokens(self) -> int:
        """Distinct tokens refused at least once."""
        return len(self._first)
