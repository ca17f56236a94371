"""Item tags as the board shows them: compact dietary badges with a legend, highlights.

Toast's item tags are free text set by the restaurant. The usual dietary ones get a
short code (``V``, ``GF``...) that the footer's legend explains; "Chef's pick" and
"New" are highlights (and the items the ``feature`` template shows large); any other
tag is shown as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DIETARY: dict[str, tuple[str, str]] = {
    "vegetarian": ("V", "Vegetarian"),
    "vegan": ("VG", "Vegan"),
    "gluten-free": ("GF", "Gluten-free"),
    "gluten free": ("GF", "Gluten-free"),
    "dairy-free": ("DF", "Dairy-free"),
    "dairy free": ("DF", "Dairy-free"),
    "contains nuts": ("N", "Contains nuts"),
    "nuts": ("N", "Contains nuts"),
    "spicy": ("HOT", "Spicy"),
    "halal": ("H", "Halal"),
    "kosher": ("K", "Kosher"),
}
"""Folded tag name → (code, legend text)."""
HIGHLIGHTS = frozenset({"chef's pick", "chef’s pick", "chefs pick", "new", "popular",
                        "house favorite", "house favourite", "signature"})

Badge = tuple[str, str]
"""(kind, text): kind ``diet`` (text is the code), ``pick`` or ``tag``."""


def badges(tags: Iterable[str]) -> list[Badge]:
    """The badges for an item's tags, in the order Toast lists them, without repeats."""
    out: list[Badge] = []
    for tag in tags:
        folded = tag.strip().casefold()
        if folded in DIETARY:
            badge = ("diet", DIETARY[folded][0])
        elif folded in HIGHLIGHTS:
            badge = ("pick", tag.strip())
        else:
            badge = ("tag", tag.strip())
        if badge[1] and badge not in out:
            out.append(badge)
    return out


def is_highlight(tags: Iterable[str]) -> bool:
    """True for an item the restaurant singles out ("Chef's pick", "New"...)."""
    return any(t.strip().casefold() in HIGHLIGHTS for t in tags)


def legend(tag_lists: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """(code, meaning) for every dietary code used, in the order of ``DIETARY``."""
    used = {DIETARY[t.strip().casefold()][0] for tags in tag_lists for t in tags
            if t.strip().casefold() in DIETARY}
    seen: list[tuple[str, str]] = []
    for code, meaning in DIETARY.values():
        if code in used and (code, meaning) not in seen:
            seen.append((code, meaning))
    return seen
