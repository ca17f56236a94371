"""The query parameters of the display routes, in one table.

Read by the parser (``app.serve.query``: the choices it checks) and by the API
documentation (``app.api.feed_docs`` builds each route's documented parameters from
these entries), so a new choice or bound is written once. The bounds of the board's
options and of the filters come from the modules that parse them
(``app.board.options``, ``app.menu.filters``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.board.images import SIZES
from app.board.options import (
    CALORIE_STATEMENTS,
    DEFAULT_PAGE_SECONDS,
    DEFAULT_REFRESH,
    DETAILS,
    MAX_COLUMNS,
    MAX_FOOTER,
    MAX_LOGO_URL,
    MAX_PAGE_SECONDS,
    MAX_READY_FOR_CACHE,
    MAX_REFRESH,
    MIN_PAGE_SECONDS,
    TEMPLATES,
    THEMES,
)
from app.serve.answers import FORMATS


@dataclass(frozen=True, slots=True)
class Param:
    """One query parameter: its type, default, allowed values and what /docs says of it."""

    name: str
    kind: type = str
    """``str``, ``int``, ``bool`` or ``list`` (repeatable)."""
    default: object = None
    doc: str | None = None
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    pattern: str | None = None
    """Documentation only: the parser applies the rule with its own messages."""
    max_length: int | None = None
    example: object = None
    required: bool = False

    def but(self, **changes: object) -> Param:
        """The same parameter as another route documents it (another description)."""
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclass fields


def _list(name: str, doc: str, example: str) -> Param:
    return Param(name, list, doc=doc, example=[example])


MENU_FILTERS = (
    _list("menu", "Keep only these menus (name, case-insensitive, or GUID); repeatable.",
          "Lunch"),
    _list("group", "Keep only items under these groups (any level, case-insensitive); "
                   "repeatable.", "Burgers"),
    _list("tag", "Keep only items with one of these tags; repeatable.", "Vegetarian"),
    Param("hide_out_of_stock", bool, False, "Drop items Toast marks OUT_OF_STOCK."),
    Param("available", choices=("now", "all"), doc=(
        "`now`: only menus open now in the restaurant's time zone; `all`: every menu (the "
        "default of /menu; /board defaults to `now`).")),
)
"""The /menu filters (also taken by /board), parsed by ``Filters.from_query``."""

FORMAT = Param("format", default="json", choices=FORMATS, doc=(
    "`json` (default); `csv` (UTF-8, header row, lists joined, no line breaks inside "
    "cells); `rows` (the rows alone as a top-level JSON array); `xml` (`<items>` with one "
    "`<item>` per row, one element per field); `rss` (RSS 2.0, one entry per row: name - "
    "price, description); `pairs` (`[{title, value}]`: name and price, for key/value "
    "widgets)."))
ASCII = Param("ascii", bool, False, (
    "`true` folds every text to plain ASCII (Crème Brûlée → Creme Brulee) for players "
    "whose fonts show other characters blank."))
SIZE = Param("size", default="m", choices=tuple(SIZES), doc=(
    "Longest side 160 (s), 320 (m) or 640 (l) pixels."))
PART = Param("part", default="page", choices=("page", "content"),
             doc="`content`: only the swappable fragment.")
PREVIEW = Param("preview", choices=("portrait", "landscape"), doc=(
    "A page framing the board at 9:16 or 16:9, to try a layout on a desktop."))
REFRESH = Param("refresh", int, DEFAULT_REFRESH, low=0, high=MAX_REFRESH, doc=(
    "Seconds between checks for a new version (below 2 counts as 2; pushes via /events "
    "are near-instant)."))
DRIFT = Param("drift", bool, False,
              "Shift the layout a few pixels every few minutes against burn-in.")
_DETAILS = "|".join(DETAILS)

BOARD_OPTIONS = (
    REFRESH,
    Param("columns", int, 0, "Force this many columns (0: chosen from the item count and "
          "orientation).", low=0, high=MAX_COLUMNS),
    Param("page_seconds", int, DEFAULT_PAGE_SECONDS, "Seconds per page when the selection "
          "cannot fit at a readable size.", low=MIN_PAGE_SECONDS, high=MAX_PAGE_SECONDS),
    Param("theme", default=THEMES[0], choices=THEMES),
    Param("accent", pattern=r"^(#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|"
          r"[a-zA-Z]{3,24})?$", doc="Accent colour: hex (`ff6600`, `#f60`) or a CSS colour "
                                    "name."),
    Param("images", bool, False, "Show item images through /image/{restaurant}/{item}."),
    DRIFT,
    Param("css", pattern=r"^(/([^/\\\"'<>()\s][^\\\"'<>()\s]*)?)?$", doc=(
        "A stylesheet path on this same origin (e.g. `/brand/board.css`), loaded after the "
        "board's own.")),
    Param("show", default=",".join(DETAILS), pattern=(
        rf"^(none|({_DETAILS})(,({_DETAILS}))*)?$"), doc=(
        "Details besides name and price: a comma list of description, calories, tags, or "
        "none.")),
    Param("ready_for_cache", int, 0, "Seconds: set Yodeck's `document.title` snapshot hint "
          "(0: off).", low=0, high=MAX_READY_FOR_CACHE),
    Param("template", default=TEMPLATES[0], choices=TEMPLATES, doc=(
        "`columns`; `list` (a price list with dotted leaders, for narrow or portrait "
        "screens); `feature` (a few items large with their images, the rest as a list).")),
    Param("logo", doc="An http(s) image URL shown beside the name, fetched by the relay "
                      "like item images."),
    Param("footer", max_length=MAX_FOOTER, doc="A line of text at the foot of the board."),
    Param("calories", choices=tuple(CALORIE_STATEMENTS), doc=(
        "Add the calorie statement to the footer: `us` (2,000 calories a day...) or `uk` "
        "(Adults need around 2000 kcal a day; calories then show as kcal).")),
    PART,
    PREVIEW,
)
"""The /board options, parsed by ``BoardOptions.from_query`` (``part`` and ``preview`` by
``app.serve.query.board_query``)."""

IMAGE_VERSION = Param("v", doc="Cache buster; ignored by the relay.")
LOGO_SOURCE = Param("src", required=True, max_length=MAX_LOGO_URL,
                    pattern=r"^https?://[A-Za-z0-9.-]+([:/?#][^\s\x00-\x1f]*)?$",
                    doc="The image URL (http or https).")
