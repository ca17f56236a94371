"""Text folds some players need: plain ASCII (``ascii=true``), one-line cells (CSV) and
text without control characters (CSV, the board's HTML).

Pure functions on strings and rows; the views apply them once per change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import msgspec
from anyascii import anyascii

from app.menu.rows import Row, Size

_NOT_FOLDED = frozenset({"guid", "image", "imageUrl"})
"""Identifiers and URLs: folding them would break the link, and they are ASCII anyway."""

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
"""C0 and C1 control characters other than tab and the line breaks above: NUL, ESC (a
terminal escape sequence in a CSV someone ``cat``s), BEL, DEL. Pasted into Toast by
accident or on purpose; never meant to be shown."""
_SPACES = re.compile(r" {2,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    folded = anyascii(c)
    # anyascii spells emoji out as ":hamburger:"; on a menu board nothing is better.
    return "" if len(folded) > 2 and folded[0] == ":" == folded[-1] else folded


def to_ascii(text: str) -> str:
    """Plain ASCII for players whose fonts show other characters blank.

    ``Crème Brûlée`` → ``Creme Brulee``, ``–`` → ``-``, ``€`` → ``EUR``, ``™`` → ``TM``.
    Emoji are dropped rather than spelled out as ``:hamburger:``.
    """
    if text.isascii():
        return text
    dropped = False

    def fold(match: re.Match[str]) -> str:
        nonlocal dropped
        folded = _fold_char(match.group())
        dropped = dropped or not folded
        return folded

    result = _NON_ASCII.sub(fold, text)
    # A dropped emoji leaves its spaces behind: "🍔 Burger" → "Burger", not " Burger".
    return _SPACES.sub(" ", result).strip() if dropped else result


def printable(text: str) -> str:
    """``text`` without control characters other than tab and line breaks (itself when it
    has none)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def one_line(text: str) -> str:
    """``text`` with every run of line breaks turned into one space and other control
    characters dropped.

    Xibo's CSV reader (and others that read a file line by line) splits records on
    every newline, even inside quotes, so a CSV cell must never hold one.
    """
    return _LINE_BREAKS.sub(" ", printable(text))


def _map_value(value: object, fn: Callable[[str], str]) -> object:
    """``value`` with ``fn`` applied to its texts, or the very same object if none changed."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list | tuple):
        mapped = [_map_value(v, fn) for v in value]
        if all(m is v for m, v in zip(mapped, value, strict=True)):
            return value
        return tuple(mapped) if isinstance(value, tuple) else mapped
    if isinstance(value, Size):
        name = fn(value.name)
        return value if name is value.name else msgspec.structs.replace(value, name=name)
    return value


_TEXT_FIELDS = tuple((i, name) for i, name in enumerate(Row.__struct_fields__)
                     if name not in _NOT_FOLDED)


def map_texts(row: Row, fn: Callable[[str], str]) -> Row:
    """``row`` with ``fn`` applied to every display text (names, descriptions, sizes,
    tags...), not to GUIDs or URLs; the same row when ``fn`` changed nothing (``fn`` must
    return its argument itself when it leaves it alone)."""
    values = msgspec.structs.astuple(row)
    changes = {}
    for i, name in _TEXT_FIELDS:
        value = values[i]
        mapped = fn(value) if value.__class__ is str else _map_value(value, fn)
        if mapped is not value:
            changes[name] = mapped
    return msgspec.structs.replace(row, **changes) if changes else row


def ascii_row(row: Row) -> Row:
    """``row`` with every display text folded to plain ASCII."""
    return map_texts(row, to_ascii)


def one_line_row(row: Row) -> Row:
    """``row`` with every line break in its texts turned into a space and other control
    characters dropped."""
    return map_texts(row, _one_line_or_same)


def _one_line_or_same(text: str) -> str:
    return one_line(text) if _LINE_BREAKS.search(text) or _CONTROLS.search(text) else text
