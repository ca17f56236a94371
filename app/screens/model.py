"""A screen: a stored, named choice of what one display (or a set of displays) shows.

One pydantic model is the whole contract (PRODUCT.md "Screens", docs/screens.md):
unknown fields, a bad GUID or an out-of-range value are refused with the field's
path; names and GUIDs the menu no longer has are not errors here (``select``
skips them and lists them under ``missing``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from app.board.options import (
    ACCENT_PATTERN,
    LOGO_PATTERN,
    MAX_COLUMNS,
    MAX_FOOTER,
    MAX_LOGO_URL,
    parse_accent,
    parse_logo,
)
from app.config import GUID_RE, RESTAURANT_REF_PATTERN
from app.errors import BadRequest, InvalidScreen

NAME_RULE = "a screen name is 1-40 lower-case letters, digits or '-'"
NAME_PATTERN = r"^[a-z0-9-]{1,40}$"
_NAME = re.compile(NAME_PATTERN)
MAX_PARTS = 12
"""More displays side by side than any wall we heard of; a bound on the work per change."""
MAX_LIST = 500
MAX_TEXT = 500


def check_name(name: str) -> str:
    """``name`` if it is a valid screen slug; 422 (field ``screen``) otherwise."""
    if not _NAME.fullmatch(name):
        raise InvalidScreen(f"screen: {name[:60]!r} is not a valid name ({NAME_RULE})")
    return name


_RESTAURANT = re.compile(RESTAURANT_REF_PATTERN)
_ACCENT = re.compile(ACCENT_PATTERN)
_LOGO = re.compile(LOGO_PATTERN)


def _documented(pattern: str) -> dict[str, Any]:
    """The schema of a string checked by a validator below with this very pattern."""
    return {"pattern": pattern}


def _guid(value: str) -> str:
    if not GUID_RE.fullmatch(value):
        raise ValueError("not a GUID (expected 8-4-4-4-12 hex digits)")
    return value.lower()


def _restaurant(value: str) -> str:
    if not _RESTAURANT.fullmatch(value):
        raise ValueError("neither a restaurant GUID nor an alias (an alias is 1-64 letters, "
                         "digits, '.', '_', '~' or '-' that does not look like a GUID)")
    return value.lower() if GUID_RE.fullmatch(value) else value


def _board_value(parse: Any, pattern: re.Pattern[str], rule: str) -> Any:
    """A board option parser (which answers 400) as a pydantic check (which answers 422),
    kept to ``pattern`` (what the schema documents; empty: the board's default)."""
    def check(value: str) -> str:
        if not value:
            return value
        try:
            parsed: str = parse(value)
        except BadRequest as exc:
            raise ValueError(exc.detail) from None
        if not pattern.fullmatch(value):
            raise ValueError(rule)
        return parsed
    return check


def _whole(value: object) -> object:
    """JSON's ``7.0`` is the integer 7 (as in JSON Schema); ``7.5``, ``"7"`` and ``true``
    stay what they are, and are refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Guid = Annotated[str, AfterValidator(_guid), Field(json_schema_extra=_documented(GUID_RE.pattern))]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Names = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]],
                  Field(max_length=MAX_LIST)]
Guids = Annotated[list[Guid], Field(max_length=MAX_LIST)]


class Layout(BaseModel):
    """How the board looks; anything left out is the board's default (``BoardOptions``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template: Literal["columns", "list", "feature"] | None = None  # TEMPLATES
    theme: Literal["dark", "light"] | None = None
    accent: Annotated[str, AfterValidator(_board_value(
        parse_accent, _ACCENT, "accent must be a hex colour such as ff6600 or a CSS colour name")),
        Field(json_schema_extra=_documented(f"^$|{ACCENT_PATTERN}"))] | None = None
    columns: Annotated[int, Field(ge=0, le=MAX_COLUMNS), BeforeValidator(_whole)] | None = None
    images: bool | None = None
    logo: Annotated[str, AfterValidator(_board_value(
        parse_logo, _LOGO, "logo must be an http(s) URL of an image with a plain host name "
                           "(no user name, no spaces)")),
        Field(max_length=MAX_LOGO_URL, json_schema_extra=_documented(f"^$|{LOGO_PATTERN}"))
    ] | None = None

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """As board query pairs (``BoardOptions.from_query`` reads them)."""
        out: list[tuple[str, str]] = []
        for name, value in self.model_dump(exclude_none=True).items():
            out.append((name, ("true" if value else "false") if isinstance(value, bool)
                        else str(value)))
        return tuple(out)


class Screen(BaseModel):
    """The definition ``PUT /admin/screens/{screen}`` takes (every field, every time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    restaurant: Annotated[str, AfterValidator(_restaurant),
                          Field(json_schema_extra=_documented(RESTAURANT_REF_PATTERN))
                          ] | None = Field(
        None, description="GUID or alias; left out for a chain-wide screen (then its URL "
                          "needs ?restaurant=)")
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, description="Heading shown on the board (default: the restaurant's name)")
    menus: Names = Field(default_factory=list, description="Menu names to show, in order")
    groups: Names = Field(default_factory=list,
                          description="Group names to show, in order (any menu, any level)")
    items: Guids = Field(default_factory=list,
                         description="Item GUIDs to show, in this order, instead of groups")
    hide: Guids = Field(default_factory=list, description="Item GUIDs never shown")
    rename: dict[Guid, Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=dict, description="Item GUID → name shown instead of Toast's")
    describe: dict[Guid, Text] = Field(
        default_factory=dict, description="Item GUID → description shown instead of Toast's")
    badges: dict[Guid, Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]],
                                 Field(max_length=8)]] = Field(
        default_factory=dict, description="Item GUID → extra badges (\"New\")")
    available: Literal["now", "all"] = "now"
    soldOut: Literal["mark", "hide"] = "mark"
    parts: Annotated[int, Field(ge=1, le=MAX_PARTS), BeforeValidator(_whole)] = Field(
        1, description="Displays the selection is split across (/s/{screen}?part=k)")
    layout: Layout = Field(default_factory=Layout)
    footer: Annotated[str, Field(max_length=MAX_FOOTER)] | None = None
    calorieStatement: Literal["us", "uk"] | None = None  # CALORIE_STATEMENTS' keys

    @property
    def chain_wide(self) -> bool:
        return self.restaurant is None

    def as_json(self) -> dict[str, Any]:
        """Every field, defaults included (what ``GET`` answers beside the version)."""
        return self.model_dump(mode="json")


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("rename", "abc")`` → ``rename.abc``; ``("items", 2)`` → ``items[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out or "definition"


def parse_screen(data: object) -> Screen:
    """A definition from decoded JSON or TOML; 422 naming the first bad field's path.

    Strict, as documented: ``"2"`` is not a number nor ``"yes"`` a boolean (the console's
    form, all strings, goes through ``Screen.model_validate`` as is)."""
    if not isinstance(data, dict):
        raise InvalidScreen("definition: must be a JSON object")
    try:
        return Screen.model_validate(data, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = ("unknown field" if first["type"] == "extra_forbidden"
                   else str(first["msg"]).removeprefix("Value error, "))
        raise InvalidScreen(f"{field_path(tuple(first['loc']))}: {message}") from None


def parse_screen_json(body: bytes) -> Screen:
    """A definition from a request body; 422 when it is not JSON or not valid."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidScreen("definition: the body is not JSON") from None
    return parse_screen(data)
