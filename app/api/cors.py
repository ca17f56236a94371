"""CORS on the screen routes, so players' HTML widgets on other origins can read them.

A widget (a Yodeck or OptiSigns custom app, a BrightSign HTML5 page) runs on its
own origin and fetches ``/menu`` from the relay's, which a browser allows only when
the answer says so. ``RELAY_CORS_ORIGINS`` is ``*`` (any origin: the default), a
comma list of origins, or empty (off). Never with credentials: screen keys travel
as ``?key=`` or ``X-API-Key``, never in cookies, so no answer says
``Access-Control-Allow-Credentials`` and ``*`` stays usable. Admin routes never
answer CORS (docs/security.md).

With ``*`` the headers are one constant tuple: a screen answer adds them without
looking at the request. With a list, the ``Origin`` header is looked up, and every
answer says ``Vary: Origin`` so no cache hands one origin's answer to another.
"""

from __future__ import annotations

from starlette.types import Scope, Send

from app.access import header

ANY = "*"
METHODS = b"GET, HEAD, OPTIONS"
ALLOWED_HEADERS = (b"X-API-Key, If-None-Match, If-Modified-Since, Cache-Control, Pragma, "
                   b"Last-Event-ID, Content-Type, X-Requested-With")
"""What a widget's request may carry: the key, validators, cache hints, the SSE resume id."""
MAX_AGE = b"600"
_EXPOSE = (b"access-control-expose-headers", b"ETag, X-Cache, X-Request-Id, Retry-After")
_VARY = (b"vary", b"Origin")

Headers = tuple[tuple[bytes, bytes], ...]


class Cors:
    """Which origins may read the screen routes, and the headers that tell the browser."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self._any = ANY in origins
        self._allowed = frozenset(o.encode() for o in origins if o != ANY)
        self._fixed: Headers = (
            ((b"access-control-allow-origin", b"*"), _EXPOSE) if self._any else ())
        self.enabled = self._any or bool(self._allowed)

    def headers(self, scope: Scope) -> Headers:
        """The CORS headers of a screen answer to this request (O(1) with ``*``)."""
        if self._any or not self._allowed:
            return self._fixed
        origin = header(scope, b"origin")
        if origin is not None and origin in self._allowed:
            return ((b"access-control-allow-origin", origin), _EXPOSE, _VARY)
        return (_VARY,)

    async def preflight(self, scope: Scope, send: Send) -> None:
        """``OPTIONS`` on a screen route: 204, with permission for GET and HEAD when the
        origin may read (the key is not checked: browsers never send it in a preflight)."""
        answer = [(b"allow", METHODS), (b"content-length", b"0")]
        allowed = [h for h in self.headers(scope) if h[0] == b"access-control-allow-origin"]
        if allowed:
            answer += [*allowed, (b"access-control-allow-methods", METHODS),
                       (b"access-control-allow-headers", ALLOWED_HEADERS),
                       (b"access-control-max-age", MAX_AGE)]
        if not self._any and self._allowed:
            answer.append(_VARY)
        await send({"type": "http.response.start", "status": 204, "headers": answer})
        await send({"type": "http.response.body", "body": b""})
