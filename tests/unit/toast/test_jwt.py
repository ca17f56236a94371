"""The JWT ``exp`` reader."""

from __future__ import annotations

import base64

from app.toast.jwt import token_expiry
from tests.support.toast_fakes import make_jwt


def _jwt(payload: bytes) -> str:
    return "e30." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".sig"


def test_reads_exp_from_payload() -> None:
    """The ``exp`` claim of an unsigned JWT comes back as UNIX seconds."""
    assert token_expiry(make_jwt(1_700_086_400)) == 1_700_086_400.0


def test_not_a_jwt_gives_none() -> None:
    """Opaque tokens (the legacy flow may hand those out) give None, not an error."""
    assert token_expiry("opaque-token") is None
    assert token_expiry("a.b") is None
    assert token_expiry("a..c") is None


def test_garbage_payloads_give_none() -> None:
    """Bad base64, non-JSON, non-object payloads and non-numeric exp give None."""
    assert token_expiry("x.!!!.y") is None
    assert token_expiry(_jwt(b"not json")) is None
    assert token_expiry(_jwt(b"[1, 2]")) is None
    assert token_expiry(_jwt(b'{"exp": "soon"}')) is None
    assert token_expiry(_jwt(b'{"exp": true}')) is None
    assert token_expiry(_jwt(b'{"sub": "x"}')) is None
