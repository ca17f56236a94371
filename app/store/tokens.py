"""Where the Toast token lives between logins: a small interface and its in-process backends.

``MemoryTokenStore`` keeps it for this process only; ``FileTokenStore`` keeps it in
``RELAY_DATA_DIR/token.json`` so a restart does not log in again. The file holds a
live bearer token, so it is private (0600) and replaced atomically. Both also keep
the recent login times, so the hourly login budget survives a restart. A shared
backend (Redis) adds a lock so only one replica logs in at a time.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from app.files import DamageReport, atomic_write

_INSTEAD = ("ignoring it: the relay logs in to Toast again (within the login budget) and "
            "replaces the file with the new token")


@dataclass(frozen=True)
class StoredToken:
    """A token with its timing; ``access_token`` is empty when only login times are kept."""

    access_token: str = field(repr=False)
    expires_at: float
    obtained_at: float
    login_times: tuple[float, ...] = ()
    relogin_at: float = 0.0
    """Wall time of the last re-login after a 401 (at most one per 30 minutes in all)."""
    refused: tuple[str, ...] = ()
    """Fingerprints (``fingerprint``) of tokens Toast refused with 401, newest last."""
    paused_until: float = 0.0
    """Wall time until which nobody calls Toast: a token was refused and no re-login is
    allowed yet (see docs/toast-tokens.md)."""

    def usable(self, now: float, skew: float) -> bool:
        return (bool(self.access_token) and now < self.expires_at - skew
                and fingerprint(self.access_token) not in self.refused)


REFUSED_KEPT = 8
"""How many refused tokens' fingerprints a record keeps (a token lives a day at most)."""


def fingerprint(access_token: str) -> str:
    """A short one-way digest naming a token without holding it (for the refused list)."""
    return hashlib.sha256(access_token.encode()).hexdigest()[:24]


class TokenStore(abc.ABC):
    """Load and save one ``StoredToken`` for one credential set (client id, mode, host)."""

    shared = False
    """True when other processes read and write the same token (they must take ``lock``)."""
    phase = 0.0
    """This process's place in [0, 1) among those sharing the store: where it defers a
    refresh to while the store is unreachable (``app/store/outage.py``)."""

    @property
    def reachable(self) -> bool:
        """False while a shared store is known to be unreachable (its lock cannot be had)."""
        return True

    @abc.abstractmethod
    async def load(self) -> StoredToken | None: ...

    async def peek(self) -> StoredToken | None:
        """The shared record if it can be read at once (None: not shared, or unreachable);
        for the periodic look at what other replicas stored, never a wait."""
        return None

    @abc.abstractmethod
    async def save(self, token: StoredToken) -> None:
        """Keep ``token`` (an empty ``access_token`` drops the token, keeps the times)."""

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[bool]:
        """Held around a login; yields whether it is held (False: a shared store could not
        be reached). In-process stores need no lock beyond the single flight."""
        yield True

    async def close(self) -> None:
        return None


class MemoryTokenStore(TokenStore):
    def __init__(self) -> None:
        self._token: StoredToken | None = None

    async def load(self) -> StoredToken | None:
        return self._token

    async def save(self, token: StoredToken) -> None:
        self._token = token


def encode_token(owner: str, token: StoredToken) -> bytes:
    data: dict[str, object] = {"owner": owner, "loginTimes": list(token.login_times),
                               "reloginAt": token.relogin_at, "refused": list(token.refused),
                               "pausedUntil": token.paused_until}
    if token.access_token:
        data.update(accessToken=token.access_token, expiresAt=token.expires_at,
                    obtainedAt=token.obtained_at)
    return orjson.dumps(data)


def decode_token(owner: str, raw: bytes) -> StoredToken | None:
    """The token in ``raw`` if it belongs to ``owner``; raises ValueError if unreadable."""
    try:
        data = orjson.loads(raw)
        if data.get("owner") != owner:
            return None
        return StoredToken(
            access_token=str(data.get("accessToken") or ""),
            expires_at=float(data.get("expiresAt") or 0.0),
            obtained_at=float(data.get("obtainedAt") or 0.0),
            login_times=tuple(float(t) for t in data.get("loginTimes", [])),
            relogin_at=float(data.get("reloginAt") or 0.0),
            refused=tuple(str(f) for f in data.get("refused", []))[-REFUSED_KEPT:],
            paused_until=float(data.get("pausedUntil") or 0.0),
        )
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
        raise ValueError("unreadable token record") from exc


class FileTokenStore(TokenStore):
    """The token kept on disk (``RELAY_DATA_DIR/token.json``), mode 0600, written atomically."""

    def __init__(self, path: Path, owner: str, logger: logging.Logger) -> None:
        self.path = path
        self._owner = owner
        self._log = logger
        self._damage = DamageReport(logger, "token file")

    async def load(self) -> StoredToken | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._damage.damaged(self.path, f"cannot be read ({exc.strerror})", _INSTEAD)
            return None
        try:
            token = decode_token(self._owner, raw)
        except ValueError:
            self._damage.damaged(self.path, "is damaged (not a saved token)", _INSTEAD)
            return None
        if token is None:
            self._log.info("token file %s is for other credentials; ignoring it", self.path)
        return token

    async def save(self, token: StoredToken) -> None:
        try:
            atomic_write(self.path, encode_token(self._owner, token))
            self._damage.rewritten(self.path)
        except OSError as exc:
            self._log.warning("cannot write token file %s: %s", self.path, exc.strerror)
