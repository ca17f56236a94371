"""Toast's webhook signature (docs/toast-api.md, the signature), checked in constant time.

Toast signs ``body + timestamp`` with HMAC-SHA256 keyed by the subscription's
secret and sends the standard base64 of the digest in ``Toast-Signature``. The
timestamp is the payload's own top-level ``"timestamp"`` string (no header
carries one); the body is hashed exactly as received, never re-serialised.
Each subscription has its own secret (menus and stock differ), so any of the
configured secrets may match.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence


def sign(body: bytes, timestamp: str, secret: str) -> str:
    """The ``Toast-Signature`` value Toast sends for ``body`` (also what the simulator sends)."""
    mac = hmac.new(secret.encode("utf-8"), body + timestamp.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def verify(body: bytes, timestamp: str, header: str | None, secrets: Sequence[str]) -> bool:
    """True when ``header`` is the signature of ``body`` + ``timestamp`` under any secret.

    Every secret is tried (no early exit), each comparison in constant time, so the
    time taken tells nothing about which secret, or how much of a guess, was right.
    """
    if not header or not secrets:
        return False
    given = header.strip().encode("ascii", "replace")
    matched = False
    for secret in secrets:
        expected = sign(body, timestamp, secret).encode("ascii")
        matched |= hmac.compare_digest(expected, given)
    return matched
