"""Text folds some players need: plain ASCII (``ascii=true``) and one-line cells (CSV).

Pure functions on strings and rows; the views apply them once per change.
"""

from __future__ import annotations

import re

import msgspec
from anyascii import anyascii

from app.menu.rows import Row, Size

_NOT_FOLDED = frozenset({"guid", "image", "imageUrl"})
"""Identifiers and URLs: folding them would break the link, and they are ASCII anyway."""

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")


def to_ascii(text: str) -> str:
    """Plain ASCII for players whose fonts show other characters blank.

    ``Crème Brûlée`` → ``Creme Brulee``, ``–`` → ``-``, ``€`` → ``EUR``, ``™`` → ``TM``.
    Emoji are dropped rather than spelled out as ``:hamburger:``, which would be worse
    on a menu board than nothing.
    """
    if text.isascii():
        return text
    out = []
    dropped = False
    for c in text:
        if c.isascii():
            out.append(c)
            continue
        folded = anyascii(c)
        if len(folded) > 2 and folded[0] == ":" == folded[-1]:
            dropped = True
            continue
        out.append(folded)
    joined = "".join(out)
    return _SPACES.sub(" ", joined).strip() if dropped else joined


def one_line(text: str) -> str:
    """``text`` with every run of line breaks turned into one space.

    Xibo's CSV reader (and others that read a file line by line) splits records on
    every newline, even inside quotes, so a CSV cell must never hold one.
    """
    return _LINE_BREAKS.sub(" ", text)


def _fold_value(value: object) -> object:
    if isinstance(value, str):
        return to_ascii(value)
    if isinstance(value, list):
        return [_fold_value(v) for v in value]
    if isinstance(value, Size):
        return msgspec.structs.replace(value, name=to_ascii(value.name))
    return value


def ascii_row(row: Row) -> Row:
    """``row`` with every display text (names, descriptions, sizes, tags...) folded to ASCII."""
    changes = {name: _fold_value(getattr(row, name)) for name in row.__struct_fields__
               if name not in _NOT_FOLDED}
    return msgspec.structs.replace(row, **changes)
