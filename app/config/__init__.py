"""Settings from the environment (and an optional ``.env``), validated at start-up.

``load_settings`` turns any problem into one ``ConfigError`` line that names the
variable and the fix. The parts: ``restaurant_refs`` (GUIDs and aliases),
``parsing`` (setting values as written), ``settings`` (the model and its
validators), ``loading`` (the environment in, one-line errors out).
"""

from app.config.checks import MIN_REFRESH_WINDOW
from app.config.loading import load_settings
from app.config.parsing import (
    MIN_KEY_LENGTH,
    KeyScopes,
    is_placeholder,
    normalize_base_url,
    parse_api_keys,
    parse_duration,
    parse_origins,
    parse_restaurants,
)
from app.config.restaurant_refs import (
    ALIAS_RE,
    ALIAS_RULE,
    ALL_RESTAURANTS,
    GUID_RE,
    RESTAURANT_REF_PATTERN,
    is_alias,
    is_guid,
)
from app.config.settings import WEBHOOK_REFRESH_INTERVAL, Seconds, Settings

__all__ = [
    "ALIAS_RE", "ALIAS_RULE", "ALL_RESTAURANTS", "GUID_RE", "MIN_KEY_LENGTH",
    "MIN_REFRESH_WINDOW", "RESTAURANT_REF_PATTERN", "WEBHOOK_REFRESH_INTERVAL", "KeyScopes",
    "Seconds", "Settings", "is_alias", "is_guid", "is_placeholder", "load_settings",
    "normalize_base_url", "parse_api_keys", "parse_duration", "parse_origins",
    "parse_restaurants",
]
