"""Read a JWT's ``exp`` claim without verifying it.

Toast's access token is a JWT whose ``exp`` (UNIX seconds) is the authoritative
expiry; ``expiresIn`` in the login answer may be the time *remaining* on a token
Toast hands out again, so ``exp`` wins when it is there (docs/toast-api.md, login
and tokens). The relay cannot verify the signature (it has no Toast key) and does
not need to: the token is only ever sent back to Toast, which checks it.
"""

from __future__ import annotations

import jwt


def token_expiry(access_token: str) -> float | None:
    """The ``exp`` claim of ``access_token`` as UNIX seconds, or None if it is not a JWT."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)
