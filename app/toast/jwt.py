"""Read a JWT's ``exp`` claim without verifying it.

Toast's access token is a JWT whose ``exp`` (UNIX seconds) is the authoritative
expiry; ``expiresIn`` in the login answer may be the time *remaining* on a token
Toast hands out again, so ``exp`` wins when it is there.
"""

from __future__ import annotations

import base64
import binascii

import orjson


def token_expiry(access_token: str) -> float | None:
    """The ``exp`` claim of ``access_token`` as UNIX seconds, or None if it is not a JWT."""
    parts = access_token.split(".")
    if len(parts) != 3 or not parts[1]:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if not isinstance(claims, dict):
        return None
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)
