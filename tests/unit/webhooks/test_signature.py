"""Toast-Signature: base64 HMAC-SHA256 of the raw body followed by the payload's timestamp."""

from __future__ import annotations

import base64
import hashlib

from app.webhooks.signature import sign, verify

# Toast's own menus_updated example (docs/toast-api.md, webhooks), as the raw bytes on the wire.
BODY = (b'{"timestamp":"2019-09-16T21:01:53.685Z","eventCategory":"menus","eventType":'
        b'"menus_updated","guid":"00000000-0000-0000-0000-000000000000","details":'
        b'{"restaurantGuid":"00000000-1111-2222-3333-444444444444","publishedDate":'
        b'"2021-10-06T20:11:01.737Z"}}')
TIMESTAMP = "2019-09-16T21:01:53.685Z"
SECRET = "toast-menus-secret"
# Computed outside Python: printf '%s' "$BODY$TIMESTAMP" |
#   openssl dgst -sha256 -hmac toast-menus-secret -binary | base64
OPENSSL_VECTOR = "no2VQ/ya+G5bjI543aFmWbtEcFax1BHdHgcfMIDbNVk="


def rfc2104_hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC written out from RFC 2104 (not the hmac module), for an independent check."""
    block = 64
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + message).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).digest()


def test_signature_matches_openssl_vector() -> None:
    """The signature of Toast's example equals the value openssl computed for it."""
    assert sign(BODY, TIMESTAMP, SECRET) == OPENSSL_VECTOR
    assert verify(BODY, TIMESTAMP, OPENSSL_VECTOR, [SECRET])


def test_signature_matches_rfc2104_construction() -> None:
    """The signature equals an HMAC built by hand over body bytes + timestamp, base64 padded."""
    expected = base64.b64encode(
        rfc2104_hmac_sha256(SECRET.encode(), BODY + TIMESTAMP.encode())).decode()
    assert sign(BODY, TIMESTAMP, SECRET) == expected
    assert expected.endswith("=")


def test_any_listed_secret_may_match() -> None:
    """With a menus and a stock secret configured, a delivery signed with either one passes."""
    stock = "toast-stock-secret"
    header = sign(BODY, TIMESTAMP, stock)
    assert verify(BODY, TIMESTAMP, header, [SECRET, stock])
    assert not verify(BODY, TIMESTAMP, header, [SECRET])


def test_whitespace_around_the_header_is_ignored() -> None:
    """A header with surrounding spaces still verifies (proxies may add them)."""
    assert verify(BODY, TIMESTAMP, f"  {OPENSSL_VECTOR} ", [SECRET])


def test_body_only_hex_or_reserialised_signatures_fail() -> None:
    """Variants other receivers use (body only, hex digest, re-serialised JSON) do not pass."""
    body_only = sign(BODY, "", SECRET)
    hexed = rfc2104_hmac_sha256(SECRET.encode(), BODY + TIMESTAMP.encode()).hex()
    reserialised = sign(BODY.replace(b'":"', b'": "'), TIMESTAMP, SECRET)
    for header in (body_only, hexed, reserialised, f"v1={OPENSSL_VECTOR}"):
        assert not verify(BODY, TIMESTAMP, header, [SECRET])


def test_missing_header_or_no_secrets_fail() -> None:
    """No header, an empty header or no configured secret never verifies."""
    assert not verify(BODY, TIMESTAMP, None, [SECRET])
    assert not verify(BODY, TIMESTAMP, "", [SECRET])
    assert not verify(BODY, TIMESTAMP, OPENSSL_VECTOR, [])


def test_a_changed_byte_or_timestamp_fails() -> None:
    """Changing one body byte or the timestamp breaks the signature."""
    assert not verify(BODY.replace(b"menus_updated", b"menus_updatee"), TIMESTAMP,
                      OPENSSL_VECTOR, [SECRET])
    assert not verify(BODY, "2019-09-16T21:01:53.686Z", OPENSSL_VECTOR, [SECRET])


def test_non_ascii_header_does_not_crash() -> None:
    """A header with non-ASCII characters is simply a mismatch."""
    assert not verify(BODY, TIMESTAMP, "é" * 44, [SECRET])
