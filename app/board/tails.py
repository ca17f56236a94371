"""Closing sentences that several descriptions share, sent once per board.

Menus repeat a closing line ("Served with your choice of side; ask your server about
allergens.") under many items. The board's content sends each such sentence once, in
``data-tails``, and the description keeps only its own text plus the sentence's index;
the script joins them again, so what shows is the description as Toast has it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

MIN_LENGTH = 32
"""Shorter sentences are not worth it: the index costs about a dozen bytes per item."""
_LAST = re.compile(r"(?<=[.!?]) (?=\S)")


def _split(text: str) -> tuple[str, str]:
    """(head, last sentence); the head is empty for a single sentence. The two join again
    with exactly one space, so only a single space counts as the boundary."""
    parts = _LAST.split(text)
    return " ".join(parts[:-1]), parts[-1]


def shared_tails(texts: Sequence[str]) -> tuple[list[str], list[tuple[str, int | None]]]:
    """The shared closing sentences (in order of first use) and each text as (own part,
    index of its closing sentence or None when it keeps all of its text)."""
    splits = [_split(t) for t in texts]
    counts = Counter(tail for _, tail in splits)
    tails: list[str] = []
    index: dict[str, int] = {}
    out: list[tuple[str, int | None]] = []
    for text, (head, tail) in zip(texts, splits, strict=True):
        if counts[tail] < 2 or len(tail) < MIN_LENGTH:
            out.append((text, None))
            continue
        if tail not in index:
            index[tail] = len(tails)
            tails.append(tail)
        out.append((head, index[tail]))
    return tails, out


def joined(head: str, tail: str) -> str:
    """A description as the board shows it again (what the script does)."""
    return f"{head} {tail}" if head else tail
