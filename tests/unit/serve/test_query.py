"""The one parser of a display route's query string, and the table it shares with /docs."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from app.board.options import BoardOptions
from app.errors import BadRequest
from app.menu.filters import Filters
from app.serve.params import BOARD_OPTIONS, MENU_FILTERS, PART, PREVIEW, SIZE
from app.serve.query import EMPTY_QUERY, KEPT_QUERIES, KeptQueries, board_query, parse_query

APP = Path(__file__).resolve().parents[3] / "app"
RENDERERS = {"app.menu.render", "app.menu.shapes", "app.board.render"}
SCHEMAS_ONLY = {"app.api.openapi": {"GroupsAnswer", "MenuAnswer", "StockAnswer"}}
"""Modules outside app/serve that may name a renderer module for its answer schemas."""


def test_a_query_names_its_key_format_and_the_rest_in_order() -> None:
    """``key``, ``format`` (lower-cased) and ``ascii`` are picked out; every other pair stays,
    in order, for the filters and options read after the key check."""
    q = parse_query(b"group=A&key=k&format=CSV&ascii=1&group=B")
    assert (q.key, q.fmt, q.ascii_raw) == ("k", "csv", "1")
    assert q.filter_pairs == (("group", "A"), ("group", "B"))
    assert parse_query(b"") is EMPTY_QUERY


@pytest.mark.parametrize(("raw", "message"), [
    (b"part=x", "part must be page or content, not 'x'"),
    (b"preview=x", "preview must be portrait or landscape, not 'x'"),
])
def test_a_bad_board_choice_names_the_choices(raw: bytes, message: str) -> None:
    """A board parameter outside its choices is a 400 naming them (two: "a or b")."""
    with pytest.raises(BadRequest, match=message):
        board_query(parse_query(raw).filter_pairs)


def test_a_bad_size_names_the_sizes() -> None:
    """An image ``size=`` outside s, m, l is a 400 naming them ("one of …")."""
    assert parse_query(b"size=l").size() == "l" and EMPTY_QUERY.size() == "m"
    with pytest.raises(BadRequest, match="size must be one of s, m, l, not 'xl'"):
        parse_query(b"size=xl").size()


def test_kept_queries_forget_the_oldest_first() -> None:
    """Past ``KEPT_QUERIES`` parsed query strings, keeping one more forgets the oldest."""
    kept = KeptQueries()
    for n in range(KEPT_QUERIES + 1):
        kept.keep(b"n=%d" % n, EMPTY_QUERY)
    assert len(kept) == KEPT_QUERIES and b"n=0" not in kept and b"n=1" in kept


def test_the_table_documents_every_board_option_and_no_other() -> None:
    """Every option ``BoardOptions.from_query`` reads has one documented entry (besides the
    route's own ``part`` and ``preview``), so /docs cannot miss or invent one."""
    documented = {p.name for p in BOARD_OPTIONS} - {PART.name, PREVIEW.name}
    assert documented == {f.name for f in dataclasses.fields(BoardOptions)}
    assert len(documented) == len(BOARD_OPTIONS) - 2


def test_the_documented_defaults_are_the_parsers_defaults() -> None:
    """Each board option's and filter's documented default is what the parser takes when the
    parameter is left out; each documented choice is one the parser accepts."""
    defaults = BoardOptions()
    for p in BOARD_OPTIONS:
        if p in (PART, PREVIEW):
            continue
        value = getattr(defaults, p.name)
        shown = ",".join(value) if p.name == "show" else value
        assert shown == ("" if p.default is None else p.default), p.name  # None: left empty
        for option in p.choices:
            BoardOptions.from_query([(p.name, option)])
    for p in (PART, PREVIEW):
        for option in p.choices:
            board_query(((p.name, option),))
    assert {p.name for p in MENU_FILTERS} == {"menu", "group", "tag", "hide_out_of_stock",
                                              "available"}
    for p in MENU_FILTERS:
        for option in p.choices:
            assert Filters.from_query([(p.name, option)]) != Filters()
    assert SIZE.default in SIZE.choices


def test_only_serve_calls_the_renderers() -> None:
    """Outside app/serve (and the menu and board packages that hold them), no module imports
    the menu or board renderers; the API docs may name the answers' schemas."""
    offenders = []
    for path in APP.rglob("*.py"):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        if module.startswith(("app.serve.", "app.menu.", "app.board.")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in RENDERERS:
                names = {a.name for a in node.names}
                if not names <= SCHEMAS_ONLY.get(module, set()):
                    offenders.append((module, node.module, sorted(names)))
            elif (isinstance(node, ast.ImportFrom) and node.module in ("app.menu", "app.board")
                  and {a.name for a in node.names} & {"render", "shapes"}):
                offenders.append((module, node.module, [a.name for a in node.names]))
    assert offenders == []
