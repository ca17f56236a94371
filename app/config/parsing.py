"""Setting values as written in the environment, read into what the relay uses.

Each parser raises ``ValueError`` with a message that says what to write instead;
``load_settings`` puts the variable's name in front of it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from app.config.restaurant_refs import ALIAS_RULE, ALL_RESTAURANTS, is_alias, is_guid

MIN_KEY_LENGTH = 16
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

KeyScopes = dict[str, frozenset[str]]
"""Screen key → restaurant GUIDs/aliases it may read (``"*"`` = every allowed one)."""


def parse_duration(value: object) -> float:
    """``90``, ``"90"``, ``"15m"``, ``"7d"`` → seconds."""
    if isinstance(value, int | float):
        return float(value)
    m = _DURATION_RE.match(str(value))
    if not m:
        raise ValueError("expected seconds or a number with s/m/h/d, e.g. 60 or 7d")
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)]


def split_list(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


def _json_object(raw: str) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"is not valid JSON ({exc.msg}); use a comma list or a JSON object") from None


_PLACEHOLDERS = ("replace-with", "change-me", "changeme", "your-key", "your-secret")


def is_placeholder(value: str) -> bool:
    """True for the example values shipped in .env.example and the docs."""
    lowered = value.lower()
    return any(p in lowered for p in _PLACEHOLDERS)


def parse_api_keys(raw: str) -> KeyScopes:
    """A comma list (every key reads everything) or a JSON object key → [restaurants] | "*"."""
    raw = raw.strip()
    if not raw:
        raise ValueError("no keys given; set a comma list of keys of 16+ characters")
    scopes: KeyScopes = {}
    if raw.startswith("{"):
        obj = _json_object(raw)
        if not isinstance(obj, dict):
            raise ValueError("must be a JSON object mapping each key to a list or \"*\"")
        for key, allowed in obj.items():
            if allowed == ALL_RESTAURANTS:
                scopes[key] = frozenset({ALL_RESTAURANTS})
            elif isinstance(allowed, list) and all(isinstance(a, str) for a in allowed):
                scopes[key] = frozenset(allowed)
            else:
                raise ValueError(f'the value for a key must be a list of restaurants or "*", '
                                 f"got {type(allowed).__name__}")
    elif raw.startswith("["):
        raise ValueError(
            "is neither a comma list nor a JSON object; use key1,key2 or {\"key\": [...]}")
    else:
        scopes = {key: frozenset({ALL_RESTAURANTS}) for key in split_list(raw)}
    for key in scopes:
        if is_placeholder(key):
            raise ValueError("still holds the placeholder from .env.example; use long random "
                             "keys, e.g. `python3 -c 'import secrets;"
                             "print(secrets.token_urlsafe(24))'`")
        if len(key) < MIN_KEY_LENGTH or any(c.isspace() for c in key):
            raise ValueError(f"a key is shorter than {MIN_KEY_LENGTH} characters or has spaces; "
                             "use long random keys, e.g. `python3 -c 'import secrets;"
                             "print(secrets.token_urlsafe(24))'`")
    return scopes


def parse_restaurants(raw: str) -> dict[str, str]:
    """A comma list of GUIDs or a JSON object alias → GUID; returns name → lower-case GUID."""
    raw = raw.strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        obj = _json_object(raw)
        if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
            raise ValueError("must map each alias to a restaurant GUID string")
        pairs = list(obj.items())
    else:
        pairs = [(g, g) for g in split_list(raw)]
    out: dict[str, str] = {}
    for alias, guid in pairs:
        if not is_guid(guid):
            raise ValueError(f"{guid!r} is not a restaurant GUID (8-4-4-4-12 hex digits)")
        if alias != guid and not is_alias(alias):
            raise ValueError(f"alias {alias[:80]!r} is not usable in a URL; {ALIAS_RULE}")
        out[alias if alias != guid else guid.lower()] = guid.lower()
    return out


def parse_origins(raw: str) -> tuple[str, ...]:
    """``*``, or a comma list of origins (``https://host[:port]``, or ``null`` for pages
    opened from a file), as browsers write them in ``Origin``; empty: none."""
    out: list[str] = []
    for part in split_list(raw):
        if part in ("*", "null"):
            out.append(part)
            continue
        parts = urlsplit(part)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (parts.scheme not in ("http", "https") or not parts.hostname or port == -1
                or parts.path not in ("", "/") or parts.query or parts.fragment
                or parts.username is not None):
            raise ValueError(f"{part[:80]!r} is not an origin; use *, or a comma list such as "
                             "https://signage.example.com,http://10.0.0.5:8000 (scheme, host "
                             "and port only)")
        default = {"http": 80, "https": 443}[parts.scheme]
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        out.append(f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default)
                                                  else ""))
    return tuple(dict.fromkeys(out))


def normalize_base_url(raw: str) -> str:
    raw = raw.strip().rstrip("/")
    if raw and "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in raw:
        raise ValueError("is not a URL; use e.g. https://ws-api.toasttab.com")
    return raw
