"""Settings from the environment (and an optional ``.env``), validated at start-up.

``load_settings`` turns any problem into one ``ConfigError`` line that names the
variable and the fix. The parts: ``restaurant_refs`` (GUIDs and aliases),
``parsing`` (setting values as written), ``checks`` (values beyond their syntax),
``settings`` (the model and its validators), ``loading`` (the environment in, one-line
errors out); ``accounts`` reads RELAY_ACCOUNTS_FILE into one ``Settings`` per account.
"""

from app.config.accounts import DEFAULT_ACCOUNT, load_accounts
from app.config.accounts_file import account_toml, append_account
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
    "ALIAS_RE", "ALIAS_RULE", "ALL_RESTAURANTS", "DEFAULT_ACCOUNT", "GUID_RE", "MIN_KEY_LENGTH",
    "MIN_REFRESH_WINDOW", "RESTAURANT_REF_PATTERN", "WEBHOOK_REFRESH_INTERVAL", "KeyScopes",
    "Seconds", "Settings", "account_toml", "append_account", "is_alias", "is_guid",
    "is_placeholder", "load_accounts", "load_settings", "normalize_base_url", "parse_api_keys",
    "parse_duration", "parse_origins", "parse_restaurants",
]
