"""``/board`` options (besides the ``/menu`` filters), parsed once per query string.

Bad values answer one clear 400 line at set-up time rather than a board that
silently ignores them; ``refresh=`` below the minimum is raised to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.errors import BadRequest
from app.menu.filters import parse_bool

MIN_REFRESH = 2
MAX_REFRESH = 86400
DEFAULT_REFRESH = 30
DEFAULT_PAGE_SECONDS = 12
MIN_PAGE_SECONDS = 3
MAX_PAGE_SECONDS = 3600
MAX_COLUMNS = 8
MAX_READY_FOR_CACHE = 7 * 86400
THEMES = ("dark", "light")
DETAILS = ("description", "calories", "tags")
TEMPLATES = ("columns", "list", "feature")
CALORIE_STATEMENTS = {
    "us": "2,000 calories a day is used for general nutrition advice, but calorie needs vary",
    "uk": "Adults need around 2000 kcal a day",
}
"""The regulatory statements (US FDA menu labelling; UK calorie labelling) word for word."""
MAX_FOOTER = 200
MAX_LOGO_URL = 2048
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NAMED = re.compile(r"^[a-zA-Z]{3,24}$")
ACCENT_PATTERN = f"{_HEX.pattern}|{_NAMED.pattern}"
"""Every ``accent`` ``parse_accent`` takes, as one regular expression (for the API docs)."""
_URL_TEXT = r"[^\s\x00-\x1f\x7f-\x9f]"
LOGO_PATTERN = (r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=-]+(?::[0-9]*)?"
                rf"(?:[/?#]{_URL_TEXT}*)?$")
"""http(s) URLs with a plain host (no user name, no IPv6 literal), no spaces or control
characters: a subset of what ``parse_logo`` takes, which a stored screen keeps to so that
its documented schema is exactly what it accepts."""


def _int(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not value.isascii():
        raise BadRequest(f"{name} must be a whole number of seconds or columns, got {value!r}")
    number = int(value)
    if number < low or number > high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value!r}")
    return number


def parse_accent(value: str) -> str:
    """``ff6600``, ``#f60`` or a CSS colour name → a value safe to put in a stylesheet."""
    v = value
    if _HEX.fullmatch(v):  # not ``match``: its ``$`` lets a trailing newline through
        return "#" + v.lstrip("#").lower()
    if _NAMED.fullmatch(v):
        return v.lower()
    raise BadRequest(f"accent must be a hex colour such as ff6600 or a CSS colour name, "
                     f"got {value!r}")


def parse_stylesheet(value: str) -> str:
    """A same-origin path such as ``/brand/board.css`` (never another host)."""
    v = value
    parts = urlsplit(v)
    if (not v.startswith("/") or v.startswith("//") or "\\" in v or parts.scheme
            or parts.netloc or any(c in v for c in "\"'<>()")
            or any(c.isspace() for c in v)):
        raise BadRequest(f"css must be a path on this server such as /brand/board.css, "
                         f"got {value!r}")
    return v


def parse_logo(value: str) -> str:
    """An http(s) image URL; the relay fetches it (like item images), the screen never does."""
    parts = urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname or len(value) > MAX_LOGO_URL
            or any(c.isspace() or ord(c) < 32 for c in value)):
        raise BadRequest(f"logo must be an http(s) URL of an image, got {value[:80]!r}")
    return value


def parse_footer(value: str) -> str:
    """A line of text (shown escaped); control characters are dropped."""
    text = "".join(c for c in value if c.isprintable()).strip()
    if len(text) > MAX_FOOTER:
        raise BadRequest(f"footer must be at most {MAX_FOOTER} characters, got {len(text)}")
    return text


@dataclass(frozen=True, slots=True)
class BoardOptions:
    refresh: int = DEFAULT_REFRESH
    columns: int = 0
    """0: chosen from the item count and the screen's orientation."""
    page_seconds: int = DEFAULT_PAGE_SECONDS
    theme: str = "dark"
    accent: str = ""
    images: bool = False
    drift: bool = False
    css: str = ""
    show: tuple[str, ...] = DETAILS
    ready_for_cache: int = 0
    """Seconds for Yodeck's document.title snapshot hint; 0 leaves the title alone."""
    template: str = "columns"
    logo: str = ""
    """An image URL shown beside the name, fetched through the relay's image fetcher."""
    footer: str = ""
    calories: str = ""
    """``us`` or ``uk``: the calorie statement in the footer (and ``kcal`` for ``uk``)."""

    @classmethod
    def from_query(cls, pairs: Iterable[tuple[str, str]]) -> BoardOptions:
        """Build from query pairs; filters, ``key`` and unknown names are ignored."""
        o: dict[str, object] = {}
        for name, value in pairs:
            if name == "refresh":
                o[name] = max(MIN_REFRESH, _int(name, value, 0, MAX_REFRESH))
            elif name == "columns":
                o[name] = _int(name, value, 0, MAX_COLUMNS)
            elif name == "page_seconds":
                o[name] = _int(name, value, MIN_PAGE_SECONDS, MAX_PAGE_SECONDS)
            elif name == "theme":
                o[name] = _choice(name, value, THEMES)
            elif name == "accent":
                o[name] = parse_accent(value) if value else ""
            elif name in ("images", "drift"):
                o[name] = parse_bool(name, value)
            elif name == "css":
                o[name] = parse_stylesheet(value) if value else ""
            elif name == "show":
                o[name] = _show(value)
            elif name == "ready_for_cache":
                o[name] = _int(name, value, 0, MAX_READY_FOR_CACHE)
            elif name == "template":
                o[name] = _choice(name, value, TEMPLATES)
            elif name == "calories":
                o[name] = _choice(name, value, tuple(CALORIE_STATEMENTS)) if value else ""
            elif name == "logo":
                o[name] = parse_logo(value) if value else ""
            elif name == "footer":
                o[name] = parse_footer(value)
        return cls(**o)  # type: ignore[arg-type]  # keys and types are checked above


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise BadRequest(f"{name} must be {' or '.join(allowed)}, got {value!r}")
    return value


def _show(value: str) -> tuple[str, ...]:
    if value in ("none", ""):
        return ()
    wanted = value.split(",")
    unknown = [w for w in wanted if w not in DETAILS]
    if unknown:
        raise BadRequest(f"show takes a comma list of {', '.join(DETAILS)} (or none), "
                         f"got {unknown[0]!r}")
    return tuple(d for d in DETAILS if d in wanted)
