"""Ready-to-send answers of a stored screen, rendered once per menu or definition change.

``ScreenAnswers`` holds one screen's selection for one restaurant's ``MenuView``;
a new view (menu, stock or stale flag changed) or a new version of the definition
makes a new one (``ScreenViews.answers``), so a request is a lookup and a write of
bytes, as on ``/menu``. Screens showing the menus open now key their answers on
the view's ``moment`` (which menus are open), like the board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.board.options import BoardOptions
from app.board.render import select as board_input
from app.board.render import shown_menus
from app.menu.filters import Filters
from app.menu.rows import Row
from app.menu.text import ascii_row
from app.screens.parts import split
from app.screens.select import Selection, for_board, select
from app.serve.answers import MEDIA_TYPES, Answer
from app.serve.pages import board_answers
from app.serve.views import MenuView
from app.store.screens import Stored

KEPT_ANSWERS = 64
"""Answers kept per screen and restaurant (formats x parts x moments); then start over.
Plain dictionaries, not LRU caches: a hit is one ``dict.get``, as on /menu."""
EVERY_MENU = Filters(available_all=True)

Chosen = tuple[tuple[Row, ...], tuple[int, ...]]
"""Rows and their menu indexes."""


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


class ScreenAnswers:
    """One stored screen applied to one restaurant's view."""

    __slots__ = ("_answers", "changed_at", "selection", "stored", "title", "view")

    def __init__(self, stored: Stored, view: MenuView) -> None:
        self.stored = stored
        self.view = view
        self.selection: Selection = select(view.flat, view.rows, stored.screen)
        self.title = stored.screen.title or view.info.name
        self.changed_at = max(view.changed_at, _epoch(stored.updated_at))
        """What the board calls its content's version: it moves on either kind of change."""
        self._answers: dict[tuple[Any, ...], Answer] = {}

    @property
    def by_time(self) -> bool:
        return self.stored.screen.available == "now"

    def moment(self, now: float) -> tuple[object, ...] | None:
        """What the answers depend on besides the view and the definition."""
        return self.view.moment(now) if self.by_time else None

    def _chosen(self, now: float) -> Chosen:
        """The selection, narrowed to the menus open now (or the next to open) when the
        screen shows ``available: now``; the same rule as the board's (``shown_menus``)."""
        rows, row_menu = self.selection.rows, self.selection.row_menu
        if not self.by_time or not rows:
            return rows, row_menu
        view = self.view
        data = replace(board_input(self.title, view.info.currency, view.flat, (), Filters(),
                                   datetime.fromtimestamp(now, UTC), fetched_at=view.fetched_at,
                                   changed_at=self.changed_at, stale=view.stale),
                       rows=rows, row_menu=row_menu)
        shown = shown_menus(data)
        keep = [i for i, m in enumerate(row_menu) if m in shown]
        return tuple(rows[i] for i in keep), tuple(row_menu[i] for i in keep)

    def part(self, part: int | None, now: float) -> Chosen:
        """The rows of display ``part`` (1-based; None: the whole selection)."""
        rows, row_menu = self._chosen(now)
        if part is None:
            return rows, row_menu
        run = split(rows, row_menu, self.stored.screen.parts)[part - 1]
        return rows[run.start:run.stop], row_menu[run.start:run.stop]

    def menu(self, fmt: str, ascii_only: bool, part: int | None, now: float) -> Answer:
        """The screen's rows in ``fmt`` (one of ``FORMATS``)."""
        key = ("menu", fmt, ascii_only, part, self.moment(now))
        hit = self._answers.get(key)
        if hit is None:
            rows: Sequence[Row] = self.part(part, now)[0]
            if ascii_only:
                rows = [ascii_row(r) for r in rows]
            hit = self._keep(key, Answer.of(self.view.render(fmt, ascii_only, rows),
                                            MEDIA_TYPES[fmt]))
        return hit

    def _keep(self, key: tuple[Any, ...], answer: Answer) -> Answer:
        if len(self._answers) >= KEPT_ANSWERS:
            self._answers.clear()  # moments move on: the old ones are not asked again
        self._answers[key] = answer
        return answer

    def board_key(self, part: int | None, query: tuple[tuple[str, str], ...],
                  now: float) -> tuple[Any, ...]:
        return ("board", part, query, self.moment(now))

    def board_ready(self, key: tuple[Any, ...], content_only: bool) -> Answer | None:
        """The board (or its content) if rendered already (None: call ``board_render``)."""
        return self._answers.get((*key, content_only))

    def board_render(self, part: int | None, options: BoardOptions, now: float,
                     events_url: str) -> tuple[Answer, Answer]:
        """Content and page, rendered without touching the cache (safe in a thread)."""
        rows, row_menu = self.part(part, now)
        view = self.view
        data = replace(board_input(self.title, view.info.currency, view.flat, (), EVERY_MENU,
                                   datetime.fromtimestamp(now, UTC), fetched_at=view.fetched_at,
                                   changed_at=self.changed_at, stale=view.stale),
                       rows=[for_board(r) for r in rows], row_menu=list(row_menu),
                       by_time=False)
        return board_answers(data, self.title, options, events_url=events_url)

    def board_keep(self, key: tuple[Any, ...], rendered: tuple[Answer, Answer],
                   content_only: bool) -> Answer:
        self._keep((*key, True), rendered[0])
        self._keep((*key, False), rendered[1])
        return rendered[0] if content_only else rendered[1]


class ScreenViews:
    """The ``ScreenAnswers`` in use, one per (screen, restaurant), newest first kept."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._held: dict[tuple[str, str], ScreenAnswers] = {}

    def answers(self, stored: Stored, view: MenuView) -> ScreenAnswers:
        """The answers for this version of the screen and this view of the menu."""
        key = (stored.name, view.info.guid)
        hit = self._held.get(key)
        if hit is None or hit.stored is not stored or hit.view is not view:
            if hit is None and len(self._held) >= self._size:
                del self._held[next(iter(self._held))]  # the oldest pair made
            hit = self._held[key] = ScreenAnswers(stored, view)
        return hit
