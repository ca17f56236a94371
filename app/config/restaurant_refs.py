"""How a restaurant is named in settings and URLs: its GUID, or an alias chosen for it."""

from __future__ import annotations

import re

ALL_RESTAURANTS = "*"
GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ALIAS_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$")
ALIAS_RULE = ("an alias is 1-64 letters, digits, '.', '_', '~' or '-', starting with a "
              "letter or digit")
RESTAURANT_REF_PATTERN = (
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    # an alias, unless it looks like someone meant a GUID (hex and dashes with a digit, or
    # a first block of 8 hex digits with a digit): those are malformed GUIDs (400)
    r"|(?!(?=[0-9a-fA-F-]{8,}$)[^0-9]*[0-9])(?!(?=[0-9a-fA-F]{8}-)[^-]*[0-9])"
    r"[A-Za-z0-9][A-Za-z0-9._~-]{0,63})$")
"""Every ``{restaurant}`` that is not a 400, as one regular expression (for the API docs)."""


def is_guid(value: str) -> bool:
    return bool(GUID_RE.fullmatch(value))


def is_alias(value: str) -> bool:
    """A name that may stand for a restaurant in a URL path (URL-safe, no GUID needed)."""
    return bool(ALIAS_RE.fullmatch(value))
