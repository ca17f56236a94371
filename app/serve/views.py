"""Ready-to-send answers for one restaurant, rendered once per change.

A ``MenuView`` is immutable: when the menu, the stock, the stale flag or a
time-specific price changes, the service builds a new one. Requests only pick
bytes out of it; filtered answers are computed from the parsed rows on first
use and kept in a small bounded cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache

from app.board.options import BoardOptions
from app.board.render import select
from app.clock import iso_utc
from app.menu.filters import Filters, apply_filters
from app.menu.flatten import FlatMenu
from app.menu.model import StockEntry
from app.menu.render import render_csv, render_groups_json, render_menu_json, render_stock_json
from app.menu.restaurant import RestaurantInfo
from app.menu.rows import Row
from app.menu.shapes import render_pairs, render_rows, render_rss, render_xml
from app.menu.stock import apply_stock
from app.menu.text import ascii_row, to_ascii
from app.serve.answers import JSON, MEDIA_TYPES, Answer, Shape, http_date
from app.serve.dayparts import open_menus
from app.serve.pages import board_answers

FILTERED_CACHE_SIZE = 64


class MenuView:
    """Everything a screen can ask about one restaurant, as bytes with ETags.

    The one object per restaurant the garbage collector tracks besides its state: the
    parts are untracked structs and tuples, and the filtered cache is made on first use.
    """

    __slots__ = (
        "_ascii",
        "_ascii_rows",
        "_filtered",
        "_images",
        "_moment",
        "_plain",
        "changed_at",
        "escape_formulas",
        "fetched_at",
        "flat",
        "info",
        "json",
        "last_modified",
        "last_modified_bytes",
        "rows",
        "stale",
        "stock",
    )

    def __init__(
        self,
        *,
        info: RestaurantInfo,
        flat: FlatMenu,
        stock: Sequence[StockEntry],
        fetched_at: float,
        stale: bool,
        changed_at: float,
        escape_formulas: bool = True,
    ) -> None:
        self.info = info
        self.escape_formulas = escape_formulas
        self.flat = flat
        self.stock = tuple(stock)
        self.fetched_at = fetched_at
        self.stale = stale
        self.rows: tuple[Row, ...] = tuple(apply_stock(flat.rows, self.stock))
        self.json = Answer.of(self.render("json", False, self.rows), JSON)
        self.changed_at = changed_at
        """When its content last changed, by the data's clock: the same on every replica."""
        self.last_modified = http_date(changed_at)
        self.last_modified_bytes = self.last_modified.encode()
        self._filtered: LRUCache[tuple[Any, ...], Answer] | None = None
        self._images: dict[str, str | None] | None = None
        self._moment: tuple[int, tuple[object, ...]] | None = None
        # Every other shape (CSV included) is rendered on first use: most screens read
        # JSON, and a copy nobody asks for was a third of a restaurant's memory.
        self._plain: dict[str, Answer] = {"json": self.json}
        self._ascii: dict[str, Answer] = {}
        self._ascii_rows: tuple[Row, ...] | None = None

    @property
    def csv(self) -> Answer:
        """The unfiltered CSV answer (rendered on first use)."""
        return self.shape(("csv", False))

    @property
    def last_updated(self) -> str:
        return self.flat.last_updated

    @property
    def valid_until(self) -> datetime | None:
        return self.flat.valid_until

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Answer]) -> Answer:
        cache = self._filtered
        if cache is None:
            cache = self._filtered = LRUCache(maxsize=FILTERED_CACHE_SIZE)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = build()
        return hit

    def menu(self, filters: Filters, fmt: str, now: datetime | None,
             ascii_only: bool = False) -> Answer:
        """The /menu answer for these filters, in ``fmt`` (one of ``FORMATS``).

        ``now`` is needed only for filtered answers (``available=now``). Unfiltered
        shapes are rendered once per view (``shape``); filtered ones once per
        filter set and moment, in a small bounded cache.
        """
        if filters.is_empty:
            # The hot path: one dictionary lookup on a string (no tuple to build and hash).
            hit = (self._ascii if ascii_only else self._plain).get(fmt)
            return hit if hit is not None else self.shape((fmt, ascii_only))
        if now is None:
            raise ValueError("a filtered answer needs the current time")
        # available=now depends on the clock: key on which menus are open right now.
        moment = self.moment(now.timestamp()) if filters.available_now else None
        key = (fmt, ascii_only, filters, moment)

        def build() -> Answer:
            rows = apply_filters(self.flat, self._rows(ascii_only), filters, now)
            return Answer.of(self.render(fmt, ascii_only, rows), MEDIA_TYPES[fmt])

        return self._cached(key, build)

    def board(self, query: tuple[tuple[str, str], ...], filters: Filters,
              options: BoardOptions, now: float, *, content_only: bool = False) -> Answer:
        """The /board page (or, ``content_only``, the fragment its script swaps in).

        Rendered once per view and ``query`` (the parameters that shape the board, the
        cache key: a tuple of strings hashes faster than the parsed options); unless
        ``available=all``, also once per set of open menus, so the page served after a
        switch starts on the right menus.
        """
        hit = self.board_ready(query, filters, now, content_only=content_only)
        if hit is not None:
            return hit
        page = self.board_render(query, filters, options, now)
        return self.board_keep(query, filters, now, page, content_only=content_only)

    def _board_key(self, query: tuple[tuple[str, str], ...], filters: Filters,
                   now: float) -> tuple[Any, ...]:
        return ("board", query, None if filters.available_all else self.moment(now))

    def moment(self, now: float) -> tuple[object, ...]:
        """Which menus are open at ``now`` (and, with none open, which opens next): what a
        board showing the menus open now depends on, as a cache key.

        Worked out once a minute and kept: schedules are in whole minutes (HH:MM) and
        every time zone's offset from UTC is whole minutes, so the answer changes only
        on a minute boundary, and a cached board hit no longer compiles every menu's
        schedule (docs/board.md, "Stock and dayparts").
        """
        minute = int(now // 60)
        held = self._moment
        if held is not None and held[0] == minute:
            return held[1]
        moment = open_menus(self.flat, now)
        self._moment = (minute, moment)
        return moment

    def board_ready(self, query: tuple[tuple[str, str], ...], filters: Filters, now: float,
                    *, content_only: bool = False) -> Answer | None:
        """The board answer if it was rendered already (None: call ``board_render``)."""
        cache = self._filtered
        if cache is None:
            return None
        key = self._board_key(query, filters, now)
        return cache.get((*key, "content" if content_only else "page"))

    def board_render(self, query: tuple[tuple[str, str], ...], filters: Filters,
                     options: BoardOptions, now: float) -> tuple[Answer, Answer]:
        """Content and page, rendered without touching the cache (safe in a thread)."""
        data = select(self.info.name, self.info.currency, self.flat, self.rows, filters,
                      datetime.fromtimestamp(now, UTC), fetched_at=self.fetched_at,
                      changed_at=self.changed_at, stale=self.stale)
        return board_answers(data, self.info.name, options)

    def board_keep(self, query: tuple[tuple[str, str], ...], filters: Filters, now: float,
                   rendered: tuple[Answer, Answer], *, content_only: bool = False) -> Answer:
        """Keep what ``board_render`` made (on the event loop) and answer the part asked."""
        key = self._board_key(query, filters, now)
        content = self._cached((*key, "content"), lambda: rendered[0])
        page = self._cached((*key, "page"), lambda: rendered[1])
        return content if content_only else page

    def shape(self, shape: Shape) -> Answer:
        """The unfiltered answer in ``shape``, rendered on first use and kept.

        Its ETag is derived from the JSON's, which covers every input of every shape,
        so no other body is hashed.
        """
        fmt, ascii_only = shape
        kept = self._ascii if ascii_only else self._plain
        hit = kept.get(fmt)
        if hit is None:
            body = self.render(fmt, ascii_only, self._rows(ascii_only))
            tag = f"-{fmt}-ascii" if ascii_only else f"-{fmt}"
            hit = kept[fmt] = Answer.of(body, MEDIA_TYPES[fmt],
                                        etag=self.json.etag[:-1] + tag + '"')
        return hit

    def shapes(self) -> list[Shape]:
        """The shapes rendered so far (the next view pre-renders the same ones)."""
        return [*((f, False) for f in self._plain), *((f, True) for f in self._ascii)]

    def prerender(self, shapes: Sequence[Shape]) -> None:
        """Render ``shapes`` now, so the first screen asking after a change gets ready bytes."""
        for shape in shapes:
            self.shape(shape)

    def _rows(self, ascii_only: bool) -> tuple[Row, ...]:
        if not ascii_only:
            return self.rows
        if self._ascii_rows is None:
            self._ascii_rows = tuple(ascii_row(r) for r in self.rows)
        return self._ascii_rows

    def render(self, fmt: str, ascii_only: bool, rows: Sequence[Row]) -> bytes:
        """``rows`` (of this view, or chosen from them) as the body of ``fmt``."""
        info = self.info.as_json()
        if ascii_only:
            info = {k: to_ascii(v) for k, v in info.items()}
        currency = self.info.currency
        if fmt == "csv":
            return render_csv(rows, currency, escape_formulas=self.escape_formulas)
        if fmt == "rows":
            return render_rows(rows)
        if fmt == "pairs":
            return render_pairs(rows)
        if fmt == "xml":
            return render_xml(info, self.flat.last_updated, iso_utc(self.fetched_at),
                              self.stale, rows, currency)
        if fmt == "rss":
            return render_rss(info, self.flat.last_updated, rows, currency)
        return render_menu_json(info, self.flat.last_updated, iso_utc(self.fetched_at),
                                self.stale, rows)

    def image_of(self, item_guid: str) -> str | None:
        """Toast's image URL for an item shown in this view (None: no such item or image)."""
        if self._images is None:
            self._images = {r.guid.lower(): r.image for r in self.rows if r.image}
        return self._images.get(item_guid.lower())

    def groups(self) -> Answer:
        return self._cached(("groups",), lambda: Answer.of(render_groups_json(
            self.info.as_json(), self.flat.last_updated, iso_utc(self.fetched_at), self.stale,
            self.flat, self.rows), JSON))

    def stock_answer(self) -> Answer:
        return self._cached(("stock",), lambda: Answer.of(render_stock_json(
            self.info.as_json(), iso_utc(self.fetched_at), self.stale, self.stock, self.flat),
            JSON))

    def with_changes(
        self,
        *,
        flat: FlatMenu | None = None,
        stock: Sequence[StockEntry] | None = None,
        stale: bool | None = None,
        fetched_at: float | None = None,
        info: RestaurantInfo | None = None,
        now: float,
        changed_at: float | None = None,
    ) -> MenuView:
        """A new view with some parts replaced; ``changed_at`` moves only if the bytes did: to
        ``changed_at`` (the data's time of the change), else ``now``; never for the stale
        flag alone (a copy restored stale and confirmed later gets its bytes back)."""
        when = self.changed_at
        if flat is not None or stock is not None or fetched_at is not None or info is not None:
            when = now if changed_at is None else changed_at
        view = MenuView(
            info=info or self.info,
            flat=flat or self.flat,
            stock=self.stock if stock is None else stock,
            fetched_at=self.fetched_at if fetched_at is None else fetched_at,
            stale=self.stale if stale is None else stale,
            changed_at=when,
            escape_formulas=self.escape_formulas,
        )
        if view.json.etag == self.json.etag:
            view.changed_at = self.changed_at
            view.last_modified = self.last_modified
            view.last_modified_bytes = self.last_modified_bytes
        return view
