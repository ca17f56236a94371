"""What screens poll (the fast lane): /menu, /menu/{r}/groups, /stock, /board, /image.

Also the board's two helpers: ``/board/sw.js`` (its service worker, from the relay's
own origin) and ``/board/{r}/logo`` (the ``logo=`` image through the image fetcher).

These endpoints are raw ASGI callables on purpose: a request is a key check, a
dictionary lookup and a write of bytes (and headers) rendered when the menu last
changed. No Request/Response objects, dependency injection, validation or
serialisation run per request; the query string is parsed (``app.serve.query``) only
when there is one, and kept parsed only once its request's key was good
(docs/security.md). The bytes come from ``app.serve``.
Each route here is documented by a stub in ``app.api.feed_docs``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import anyio
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.access import KeyRing, header
from app.api.cors import Cors, Headers
from app.api.headers import NO_REFERRER, NOSNIFF
from app.board.images import Picture
from app.board.options import parse_logo
from app.errors import NotFound
from app.refresh.service import CacheResult
from app.relay import Relay
from app.serve.answers import FORMATS, Answer, etag_matches
from app.serve.pages import SERVICE_WORKER, preview_page
from app.serve.params import FORMAT
from app.serve.query import KeptQueries, Query, board_query, choice, first, parse_query
from app.serve.views import MenuView

IMAGE_CACHE = b"private, max-age=31536000, immutable"
PREVIEW_POLICY = (
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'; "
     b"frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"),
    NOSNIFF, NO_REFERRER)
"""The preview page only frames the board beside it (docs/security.md)."""
_X_CACHE = {"HIT": b"HIT", "MISS": b"MISS", "STALE": b"STALE"}

Handler = Callable[[Scope, Send], Awaitable[None]]


class Endpoint:
    """Adapts ``handler(scope, send)`` to ASGI, so Starlette routes it without a Request;
    a CORS preflight (``OPTIONS``) is answered here."""

    def __init__(self, handler: Handler, cors: Cors) -> None:
        self.handler = handler
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            await self.cors.preflight(scope, send)
            return
        await self.handler(scope, send)


async def send_answer(
    scope: Scope, send: Send, answer: Answer, view: MenuView, cache: CacheResult,
    cache_control: bytes, cors: Headers = (),
) -> None:
    scope["relay"]["cache"] = cache
    common = [(b"etag", answer.etag_bytes), (b"cache-control", cache_control),
              (b"last-modified", view.last_modified_bytes), (b"x-cache", _X_CACHE[cache]),
              *cors]
    if etag_matches(header(scope, b"if-none-match"), answer.etag_bytes):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [*answer.head, *common]})
    await send({"type": "http.response.body", "body": answer.body})


async def send_picture(scope: Scope, send: Send, picture: Picture, cache: CacheResult,
                       cors: Headers = ()) -> None:
    """An image answer (or 304), cached by the player for good."""
    scope["relay"]["cache"] = cache
    # The board asks with ?v=<hash of Toast's URL>: a new image is a new URL.
    common = [(b"etag", picture.etag), (b"cache-control", IMAGE_CACHE), *cors]
    if etag_matches(header(scope, b"if-none-match"), picture.etag):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", picture.media_type.encode()),
        (b"content-length", str(len(picture.body)).encode()), NOSNIFF, *common]})
    await send({"type": "http.response.body", "body": picture.body})


class Screens:
    def __init__(self, relay: Relay, cors: Cors) -> None:
        self.cors = cors
        self.keys: KeyRing = relay.keys
        self.menus = relay.menus
        self.clock = relay.clock
        self.images = relay.images
        max_age = int(min(30.0, relay.settings.relay_refresh_interval / 2))
        self.cache_control = f"private, max-age={max_age}".encode()
        self._queries = KeptQueries()

    def _checked(self, scope: Scope) -> tuple[str, Query]:
        """The restaurant asked for, once the key may read it (401, 400, 404, 403), and the
        parsed query.

        Screens poll the same URL over and over, so parsed query strings are kept and
        parsing is a dictionary hit; but only those of requests whose key was good, so a
        stream of keyless requests with distinct query strings leaves nothing behind.
        """
        raw: bytes = scope["query_string"]
        q = self._queries.get(raw)
        if q is not None:
            return self.keys.readable_path(scope, q.key), q
        q = parse_query(raw)
        guid = self.keys.readable_path(scope, q.key)
        self._queries.keep(raw, q)
        return guid, q

    async def _view(self, scope: Scope) -> tuple[MenuView, CacheResult]:
        return await self._held(self._checked(scope)[0])

    async def _held(self, guid: str) -> tuple[MenuView, CacheResult]:
        """The restaurant's view: the held one at once, else after its first load."""
        return self.menus.cached(guid) or await self.menus.view(guid)

    async def menu(self, scope: Scope, send: Send) -> None:
        guid, q = self._checked(scope)
        if q.fmt not in FORMATS:
            choice(FORMAT, q.fmt)  # 400
        filters = q.filters()  # a bad filter is 400 before anything is asked of Toast
        ascii_only = q.ascii_only()
        # ``_held`` written out: the hot path creates no coroutine when the menu is held.
        view, cache = self.menus.cached(guid) or await self.menus.view(guid)
        now = datetime.fromtimestamp(self.clock.now(), UTC) if not filters.is_empty else None
        answer = view.menu(filters, q.fmt, now, ascii_only)
        await send_answer(scope, send, answer, view, cache, self.cache_control,
                          self.cors.headers(scope))

    async def board(self, scope: Scope, send: Send) -> None:
        guid, q = self._checked(scope)
        filters = q.filters()  # bad filters and options are 400 before Toast is asked
        b = board_query(q.filter_pairs)
        if b.preview is not None:
            await self._preview(scope, send, b.preview)
            return
        view, cache = await self._held(guid)
        now = self.clock.now()
        answer = view.board_ready(b.key, filters, now, content_only=b.content_only)
        if answer is None:
            # Rendering a large menu takes a while: off the event loop, so the screens
            # polling other answers meanwhile are not held up.
            page = await anyio.to_thread.run_sync(view.board_render, b.key, filters,
                                                  b.options, now)
            answer = view.board_keep(b.key, filters, now, page, content_only=b.content_only)
        await send_answer(scope, send, answer, view, cache, self.cache_control,
                          self.cors.headers(scope))

    async def service_worker(self, scope: Scope, send: Send) -> None:
        """The board's service worker: no key (it holds no data), revalidated on each visit."""
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/javascript; charset=utf-8"),
            (b"content-length", str(len(SERVICE_WORKER)).encode()),
            (b"cache-control", b"no-cache")]})
        await send({"type": "http.response.body", "body": SERVICE_WORKER})

    async def logo(self, scope: Scope, send: Send) -> None:
        """``logo=``: the image at ``src`` through the relay's (SSRF-safe) image fetcher."""
        guid, q = self._checked(scope)
        src = parse_logo(first(q.filter_pairs, "src", ""))
        size = q.size()
        _, cache = await self._held(guid)
        await self._picture(scope, send, await self.images.get(src, size), cache)

    async def _preview(self, scope: Scope, send: Send, preview: str) -> None:
        """The board framed at 9:16 or 16:9, to try a layout in a desktop browser."""
        pairs = [(k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1"),
                                              keep_blank_values=True) if k != "preview"]
        body = preview_page("?" + urlencode(pairs), portrait=preview == "portrait")
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
            *PREVIEW_POLICY, *self.cors.headers(scope)]})
        await send({"type": "http.response.body", "body": body})

    async def image(self, scope: Scope, send: Send) -> None:
        guid, q = self._checked(scope)
        size = q.size()
        view, cache = await self._held(guid)
        item = scope["path_params"]["item"]
        source = view.image_of(item)
        if source is None:
            raise NotFound(f"item {item} has no image in this restaurant's menu")
        await self._picture(scope, send, await self.images.get(source, size), cache)

    async def _picture(self, scope: Scope, send: Send, picture: Picture,
                       cache: CacheResult) -> None:
        await send_picture(scope, send, picture, cache, self.cors.headers(scope))

    async def groups(self, scope: Scope, send: Send) -> None:
        view, cache = await self._view(scope)
        await send_answer(scope, send, view.groups(), view, cache, self.cache_control,
                          self.cors.headers(scope))

    async def stock(self, scope: Scope, send: Send) -> None:
        view, cache = await self._view(scope)
        await send_answer(scope, send, view.stock_answer(), view, cache, self.cache_control,
                          self.cors.headers(scope))


def routes(relay: Relay, cors: Cors) -> list[Route]:
    """The screen routes; each answers GET, HEAD and a CORS preflight (OPTIONS)."""
    s = Screens(relay, cors)
    get = ["GET", "OPTIONS"]
    return [
        Route("/menu/{restaurant}", Endpoint(s.menu, cors), methods=get),
        Route("/menu/{restaurant}/groups", Endpoint(s.groups, cors), methods=get),
        Route("/stock/{restaurant}", Endpoint(s.stock, cors), methods=get),
        Route("/board/sw.js", Endpoint(s.service_worker, cors), methods=["GET"]),
        Route("/board/{restaurant}", Endpoint(s.board, cors), methods=get),
        Route("/board/{restaurant}/logo", Endpoint(s.logo, cors), methods=get),
        Route("/image/{restaurant}/{item}", Endpoint(s.image, cors), methods=get),
    ]
