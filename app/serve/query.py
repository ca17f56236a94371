"""The one parser of a display route's query string (/menu, /board, /s/…, /events, …).

A request's query string is split (bounded in size and count first) only to find
``?key=``; everything else in it is validated after the key was checked (401 before
400), and a parsed query string is kept (``KeptQueries``) only once its request's key
was good, so keyless requests leave nothing behind (docs/security.md). The choices
checked here are the ones the documentation shows (``app.serve.params``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl

from app.board.options import BoardOptions
from app.errors import BadRequest, QueryTooLong
from app.menu.filters import Filters, parse_bool
from app.serve.params import PART, PREVIEW, SIZE, Param

NO_FILTERS = Filters()
_NOT_FILTERS = frozenset({"key", "format", "ascii"})
MAX_QUERY_BYTES = 4096
"""A longer query string is 414 before anything in it is read (a board URL with every
option and twenty groups is under 1 KiB)."""
MAX_QUERY_PARAMS = 100
"""More parameters than this is 400 before any of them is read."""
KEPT_QUERIES = 512
"""Parsed query strings kept per route family (``KeptQueries``), the oldest forgotten first."""


def choice(param: Param, value: str) -> str:
    """``value`` if ``param`` allows it; 400 naming the choices otherwise."""
    if value not in param.choices:
        allowed = param.choices
        named = " or ".join(allowed) if len(allowed) == 2 else f"one of {', '.join(allowed)}"
        raise BadRequest(f"{param.name} must be {named}, not {value!r}")
    return value


def first(pairs: tuple[tuple[str, str], ...], name: str, default: str) -> str:
    """The first value of ``name`` in ``pairs`` (``default`` when absent)."""
    return next((v for k, v in pairs if k == name), default)


@dataclass(frozen=True, slots=True)
class Query:
    key: str | None
    fmt: str
    filter_pairs: tuple[tuple[str, str], ...]
    """Every parameter but ``key``, ``format`` and ``ascii``, in order."""
    ascii_raw: str | None = None

    def ascii_only(self) -> bool:
        """``ascii=true`` (validated only after the key was checked, like the filters)."""
        return self.ascii_raw is not None and parse_bool("ascii", self.ascii_raw)

    def filters(self) -> Filters:
        """The filters (validated only now, after the key was checked: 401 before 400)."""
        return _filters(self.filter_pairs) if self.filter_pairs else NO_FILTERS

    def size(self) -> str:
        """``size=`` of an image (``m`` when absent)."""
        return choice(SIZE, first(self.filter_pairs, "size", "m"))


EMPTY_QUERY = Query(None, "json", ())


def parse_query(raw: bytes) -> Query:
    """The parts of a screen's query string that matter; bounded in size and count first
    (414, 400), so what a request may make the relay parse is bounded too."""
    if not raw:
        return EMPTY_QUERY
    if len(raw) > MAX_QUERY_BYTES:
        raise QueryTooLong(f"the query string is longer than {MAX_QUERY_BYTES} bytes")
    try:
        params = parse_qsl(raw.decode("latin-1"), keep_blank_values=True,
                           max_num_fields=MAX_QUERY_PARAMS)
    except ValueError:
        raise BadRequest(f"the query string has more than {MAX_QUERY_PARAMS} "
                         "parameters") from None
    key = next((v for k, v in params if k == "key"), None)
    fmt = next((v for k, v in params if k == "format"), "json").lower()
    ascii_raw = next((v for k, v in params if k == "ascii"), None)
    return Query(key, fmt, tuple((k, v) for k, v in params if k not in _NOT_FILTERS),
                 ascii_raw)


class KeptQueries(dict[bytes, Query]):
    """Parsed query strings of requests whose key was good, by raw query string.

    Screens poll the same URL over and over, so parsing is a dictionary hit (``get``,
    inline on the hot path); what a keyless request brought is never ``keep``-t.
    """

    def keep(self, raw: bytes, query: Query) -> None:
        if len(self) >= KEPT_QUERIES:
            del self[next(iter(self))]  # the oldest: every screen asks again soon
        self[raw] = query


@dataclass(frozen=True, slots=True)
class BoardQuery:
    options: BoardOptions
    content_only: bool
    preview: str | None
    key: tuple[tuple[str, str], ...]
    """The query without ``key``, ``part`` and ``preview``: page and fragment share it."""


@lru_cache(maxsize=512)
def board_query(pairs: tuple[tuple[str, str], ...]) -> BoardQuery:
    """The board's options, parsed once per distinct query string."""
    part = choice(PART, first(pairs, "part", "page"))
    preview = next((v for k, v in pairs if k == "preview"), None)
    if preview is not None:
        choice(PREVIEW, preview)
    return BoardQuery(BoardOptions.from_query(pairs), part == "content", preview,
                      tuple(p for p in pairs if p[0] not in ("part", "preview")))


@lru_cache(maxsize=512)
def _filters(pairs: tuple[tuple[str, str], ...]) -> Filters:
    return Filters.from_query(pairs)
