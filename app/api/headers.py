"""Security headers: how a browser may treat each answer (docs/security.md).

Every answer says ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
no-referrer`` (screen URLs carry ``?key=``; a Referer would hand it to whatever a
page loads or links). An answer without a policy of its own (JSON, errors,
metrics, admin) gets one that lets it load nothing and be framed by nobody. HTML
pages bring their own: /docs and the landing page (here) may not be framed; the
board (``app.board.render``) may, because players' HTML widgets frame it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_REFERRER = (b"referrer-policy", b"no-referrer")
NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The policy of an answer that is not a page: load nothing, be framed by nobody."""
LOCKED: dict[str, str] = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                          "Content-Security-Policy": NOTHING, "X-Frame-Options": "DENY"}
"""Every header an answer without a policy of its own gets (error answers, on both lanes)."""
NOT_FRAMED = "DENY"
"""``X-Frame-Options`` beside ``frame-ancestors 'none'``, for browsers without CSP 2."""
LANDING = ("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
           "base-uri 'none'; form-action 'none'")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)
_DEFAULTS = (NOSNIFF, NO_REFERRER)
_LOCKED_CSP = ((b"content-security-policy", NOTHING.encode()), (b"x-frame-options", b"DENY"))


def script_hash(script: bytes) -> str:
    """A CSP source allowing exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


def docs_policy(page: bytes) -> str:
    """Swagger UI's policy: its files from the relay, its inline scripts by hash, its calls
    to the relay; never framed."""
    scripts = " ".join(script_hash(s) for s in _INLINE_SCRIPT.findall(page))
    return (f"default-src 'none'; script-src 'self' {scripts}; style-src 'self' "
            "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class SecurityHeaders:
    """Adds the headers above to every answer of the ordinary (FastAPI) routes that does
    not set them itself. The fast lane sets its own, once per rendered answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in _DEFAULTS if h[0] not in names)
                if b"content-security-policy" not in names:
                    headers.extend(h for h in _LOCKED_CSP if h[0] not in names)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
