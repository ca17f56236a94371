"""The token kept on disk (``RELAY_DATA_DIR/token.json``) so a restart does not log in again.

The file holds a live bearer token, so it is created with mode 0600 and replaced
atomically (write a temporary file, then rename): a crash never leaves half a file.
It also records recent login times, so the hourly login budget survives restarts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import orjson


@dataclass(frozen=True)
class StoredToken:
    access_token: str = field(repr=False)
    expires_at: float
    obtained_at: float
    login_times: tuple[float, ...] = ()


class TokenFile:
    """Load and save one ``StoredToken`` for one credential set (client id, mode, host)."""

    def __init__(self, path: Path, owner: str, logger: logging.Logger) -> None:
        self.path = path
        self._owner = owner
        self._log = logger

    def load(self) -> StoredToken | None:
        """The stored token if the file exists, parses and belongs to these credentials."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._log.warning("cannot read token file %s: %s", self.path, exc.strerror)
            return None
        try:
            data = orjson.loads(raw)
            if data.get("owner") != self._owner:
                self._log.info("token file %s is for other credentials; ignoring it", self.path)
                return None
            return StoredToken(
                access_token=str(data["accessToken"]),
                expires_at=float(data["expiresAt"]),
                obtained_at=float(data["obtainedAt"]),
                login_times=tuple(float(t) for t in data.get("loginTimes", [])),
            )
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
            self._log.warning("token file %s is unreadable; ignoring it", self.path)
            return None

    def save(self, token: StoredToken | None, login_times: tuple[float, ...]) -> None:
        """Write ``token`` (or only the login times when None) with mode 0600, atomically."""
        data: dict[str, object] = {"owner": self._owner, "loginTimes": list(login_times)}
        if token is not None:
            data.update(accessToken=token.access_token, expiresAt=token.expires_at,
                        obtainedAt=token.obtained_at)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        except OSError as exc:
            self._log.warning("cannot write token file %s: %s", self.path, exc.strerror)
            return
        try:
            # mkstemp already creates 0600; fchmod states the intent and covers odd umasks.
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(data))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            self._log.warning("cannot write token file %s: %s", self.path, exc.strerror)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
