"""What players of stored screens poll (the fast lane): /s/{screen}, /s/{screen}/menu.

Like ``app.api.feeds``: raw ASGI, a key check, two dictionary lookups (the
screen, then its answers for the restaurant's current view) and a write of bytes
rendered when the menu or the definition last changed. Access: the key must be
able to read the screen's restaurant (401, then 404 for an unknown screen, then
400/404 for the restaurant, then 403). Each route is documented by a stub in
``app.api.feed_docs``; the rules are in docs/screens.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import anyio
from starlette.routing import Route
from starlette.types import Scope, Send

from app.access import KeyRing, presented_key
from app.api.cors import Cors
from app.api.feeds import Endpoint, send_answer, send_picture
from app.board.options import BoardOptions, parse_logo
from app.errors import BadRequest, InvalidScreen, NotFound
from app.refresh.service import CacheResult
from app.relay import Relay
from app.serve.answers import FORMATS
from app.serve.params import FORMAT
from app.serve.query import KeptQueries, Query, choice, parse_query
from app.serve.screen_answers import ScreenAnswers, ScreenViews
from app.store.screens import Stored

_OWN = frozenset({"part", "restaurant"})
"""Parameters of the screen routes themselves; every other one is a board option."""


@dataclass(frozen=True, slots=True)
class Part:
    display: int | None
    """Which display of a split screen (1-based); None: the whole selection."""
    content_only: bool
    """``part=content``: the fragment the board's script swaps in."""


WHOLE = Part(None, False)


def parse_part(pairs: tuple[tuple[str, str], ...], parts: int) -> Part:
    """``part=k`` (1..parts: 422 otherwise) and the board's own ``part=content``."""
    if not pairs:
        return WHOLE  # the usual poll: nothing but the key
    display: int | None = None
    content_only = False
    for name, value in pairs:
        if name != "part" or value == "page":
            continue
        if value == "content":
            content_only = True
        elif value.isascii() and value.isdigit() and 1 <= int(value) <= parts:
            display = int(value)
        else:
            raise InvalidScreen(f"part: must be a display number from 1 to {parts} (this "
                                f"screen has parts: {parts}), got {value[:20]!r}")
    return Part(display, content_only)


@lru_cache(maxsize=512)
def board_options(stored: Stored, pairs: tuple[tuple[str, str], ...]) -> BoardOptions:
    """The player's board options (``refresh=``, ``drift=``…), then the screen's layout,
    footer and calorie statement, which win."""
    screen = stored.screen
    own = [*screen.layout.pairs(), ("footer", screen.footer or ""),
           ("calories", screen.calorieStatement or "")]
    return BoardOptions.from_query([*(p for p in pairs if p[0] not in _OWN), *own])


class ScreenPages:
    def __init__(self, relay: Relay, cors: Cors) -> None:
        self.cors = cors
        self.keys: KeyRing = relay.keys
        self.book = relay.screens
        self.menus = relay.menus
        self.clock = relay.clock
        self.images = relay.images
        self.views = ScreenViews()
        max_age = int(min(30.0, relay.settings.relay_refresh_interval / 2))
        self.cache_control = f"private, max-age={max_age}".encode()
        self._queries = KeptQueries()

    def _checked(self, scope: Scope) -> tuple[Stored, str, Query]:
        """The screen and the restaurant GUID it shows here, once the key may read it."""
        raw: bytes = scope["query_string"]
        q = self._queries.get(raw)
        fresh = q is None
        if q is None:
            q = parse_query(raw)
        allowed = self.keys.identify(presented_key(scope, q.key))
        if fresh:  # kept only once its key was good (as on /menu)
            self._queries.keep(raw, q)
        name = scope["path_params"]["screen"]
        stored = self.book.get(name)
        if stored is None:
            raise NotFound(f"no screen named {name[:60]!r}; GET /admin/screens lists them")
        asked = next((v for k, v in q.filter_pairs if k == "restaurant"),
                     None) if q.filter_pairs else None
        ref = stored.screen.restaurant
        if ref is None:
            if not asked:
                raise BadRequest(f"screen {name!r} is chain-wide: add ?restaurant=<GUID or "
                                 "alias> to say which location's menu it shows")
            ref = asked
        guid = self.keys.resolve(ref)
        if asked and guid != self.keys.resolve(asked):
            raise BadRequest(f"screen {name!r} shows one restaurant; leave out ?restaurant=")
        self.keys.note(scope["relay"], guid)
        self.keys.authorize(allowed, guid)
        return stored, guid, q

    async def _answers(self, stored: Stored, guid: str) -> tuple[ScreenAnswers, CacheResult]:
        view, cache = self.menus.cached(guid) or await self.menus.view(guid)
        return self.views.answers(stored, view), cache

    async def menu(self, scope: Scope, send: Send) -> None:
        stored, guid, q = self._checked(scope)
        if q.fmt not in FORMATS:
            choice(FORMAT, q.fmt)  # 400
        part = parse_part(q.filter_pairs, stored.screen.parts)
        ascii_only = q.ascii_only()
        answers, cache = await self._answers(stored, guid)
        answer = answers.menu(q.fmt, ascii_only, part.display, self.clock.now())
        await send_answer(scope, send, answer, answers.view, cache,
                          self.cache_control, self.cors.headers(scope))

    async def board(self, scope: Scope, send: Send) -> None:
        stored, guid, q = self._checked(scope)
        part = parse_part(q.filter_pairs, stored.screen.parts)
        query = tuple(p for p in q.filter_pairs if p[0] != "part")
        options = board_options(stored, query)  # a bad option is 400 before Toast is asked
        answers, cache = await self._answers(stored, guid)
        now = self.clock.now()
        key = answers.board_key(part.display, query, now)
        answer = answers.board_ready(key, part.content_only)
        if answer is None:
            # Off the event loop, like /board: a large menu takes a while to render.
            page = await anyio.to_thread.run_sync(answers.board_render, part.display, options,
                                                  now, f"../events/{guid}")
            answer = answers.board_keep(key, page, part.content_only)
        await send_answer(scope, send, answer, answers.view, cache,
                          self.cache_control, self.cors.headers(scope))

    async def logo(self, scope: Scope, send: Send) -> None:
        """The screen's ``layout.logo`` through the relay's image fetcher (the board asks
        ``<page>/logo?src=…``; only the screen's own logo is fetched)."""
        stored, guid, q = self._checked(scope)
        src = stored.screen.layout.logo
        if not src:
            raise NotFound("this screen has no logo (layout.logo)")
        size = q.size()
        _, cache = await self._answers(stored, guid)
        await send_picture(scope, send, await self.images.get(parse_logo(src), size),
                           cache, self.cors.headers(scope))


def routes(relay: Relay, cors: Cors) -> list[Route]:
    """The stored screens' routes; each answers GET, HEAD and a CORS preflight."""
    pages = ScreenPages(relay, cors)
    get = ["GET", "OPTIONS"]
    return [
        Route("/s/{screen}", Endpoint(pages.board, cors), methods=get),
        Route("/s/{screen}/menu", Endpoint(pages.menu, cors), methods=get),
        Route("/s/{screen}/logo", Endpoint(pages.logo, cors), methods=get),
    ]
