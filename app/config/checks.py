"""Checks of setting values beyond their syntax: secrets that must be real and random, a
data directory the relay can write, a Redis URL, a usable token refresh window.

Each check raises ``ValueError`` with what to do instead; a message never repeats a
secret or a key.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from app.config.parsing import MIN_KEY_LENGTH, is_placeholder
from app.files import private_dir

MIN_REFRESH_WINDOW = 2.0
"""Seconds: below this a refresh window leaves no time to log in before the token expires."""
MIN_SESSION_SECRET_LENGTH = 32


def check_client_secret(secret: str) -> None:
    if not secret.strip():
        raise ValueError("is empty; copy the client secret from Toast Web")
    if is_placeholder(secret):
        raise ValueError("still holds the placeholder from .env.example; copy the client "
                         "secret from Toast Web")


def check_random_key(key: str) -> None:
    """An admin or metrics key: long, and not an example value."""
    if is_placeholder(key) or len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"must be a random key of {MIN_KEY_LENGTH}+ characters, not a "
                         "placeholder; e.g. `python3 -c 'import secrets;"
                         "print(secrets.token_urlsafe(24))'`")


def check_session_secret(secret: str) -> None:
    if len(secret) < MIN_SESSION_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SESSION_SECRET_LENGTH} characters (or unset "
                         "it: the relay then generates one)")


def check_webhook_secrets(secrets: list[str]) -> None:
    if any(is_placeholder(secret) for secret in secrets):
        raise ValueError("still holds the placeholder from .env.example; copy each "
                         "subscription's secret from Toast Web (comma list)")


def check_data_dir(path: Path) -> None:
    """Creates the directory (0700) if needed; it must then be writable by this user."""
    try:
        private_dir(path)
    except OSError as exc:
        raise ValueError(f"{path} cannot be created ({exc.strerror}); point it at a "
                         "writable directory") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"{path} is not writable by this user; fix its owner or mode")


def check_redis_url(url: str) -> None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        # The URL may carry a password: never echo it back.
        raise ValueError("must look like redis://[:password@]host:6379/0 or rediss://... "
                         "for TLS")


def check_refresh_window(seconds: float) -> None:
    # Toast only hands out a new token during the token's last minute.
    if seconds > 3600:
        raise ValueError("must be at most 3600 seconds")
    if seconds < MIN_REFRESH_WINDOW:
        # The token stops being sent a quarter-window before it expires (at most 5 s);
        # a shorter window leaves no time to log in between the refresh and that point.
        raise ValueError(f"must be at least {MIN_REFRESH_WINDOW:g} seconds (60 matches "
                         "Toast's last minute)")
