"""What accounts must not share: each alias, restaurant and key belongs to one account, so
a request, a webhook or a key leads to exactly one of them (docs/accounts.md, "Rules
between accounts"). Messages name the account and the field, never a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.config.accounts_file import AccountProblem, accounts_error
from app.config.restaurant_refs import ALL_RESTAURANTS
from app.config.settings import Settings


def check_key_scopes(settings: Settings) -> None:
    """Each restaurant a screen key lists is one of its account's own (alias or GUID)."""
    aliases = settings.relay_restaurants
    guids = set(aliases.values())
    for scope in settings.relay_api_keys.values():
        for ref in sorted(scope):
            if ref != ALL_RESTAURANTS and ref not in aliases and ref.lower() not in guids:
                raise AccountProblem(
                    f"screen_keys a key lists {ref[:80]!r}, which is not one of this "
                    "account's restaurants; list only aliases or GUIDs from its restaurants, "
                    "or \"*\"")


def check_between_accounts(accounts: Mapping[str, Settings], base: Settings,
                           path: Path) -> None:
    """``ConfigError`` for an alias, restaurant, screen key or admin key two accounts share
    (``base``: the TOAST_*/RELAY_* settings, whether or not they describe an account)."""
    admins = _admin_keys(accounts, base, path)
    # RELAY_RESTAURANTS' aliases count even without an account `default`: an alias names one
    # restaurant wherever it is written.
    alias_owner = {alias: "RELAY_RESTAURANTS" for alias, guid in base.relay_restaurants.items()
                   if alias != guid}
    guid_owner: dict[str, str] = {}
    key_owner: dict[str, str] = {}
    for name, settings in accounts.items():
        from_env = settings is base
        restaurants = "RELAY_RESTAURANTS" if from_env else "restaurants"
        keys = "RELAY_API_KEYS" if from_env else "screen_keys"
        for alias, guid in settings.relay_restaurants.items():
            if not from_env and alias != guid:
                if alias in alias_owner:
                    raise accounts_error(path, f"{restaurants} alias {alias!r} is also in "
                                               f"{alias_owner[alias]}; aliases are unique "
                                               "across the file and RELAY_RESTAURANTS: rename "
                                               "one", name)
                alias_owner[alias] = f"account {name!r}"
            if guid_owner.setdefault(guid, name) != name:
                raise accounts_error(path, f"{restaurants} {guid} is also a restaurant of "
                                           f"account {guid_owner[guid]!r}; a restaurant belongs "
                                           "to one account: remove it from one", name)
        for key in settings.relay_api_keys:
            if key in admins:
                raise accounts_error(path, f"{keys} holds a key that is also {admins[key]}; "
                                           "give screens and admins different keys", name)
            if key_owner.setdefault(key, name) != name:
                raise accounts_error(path, f"{keys} holds a key that is also a screen key of "
                                           f"account {key_owner[key]!r}; give each account "
                                           "its own keys", name)


def _admin_keys(accounts: Mapping[str, Settings], base: Settings,
                path: Path) -> dict[str, str]:
    """Every admin key → whose it is; two accounts with one admin key is a ``ConfigError``
    (a per-account admin key manages that account only, RELAY_ADMIN_KEY every account)."""
    owner: dict[str, str] = {}
    if base.relay_admin_key is not None:
        owner[base.relay_admin_key.get_secret_value()] = "RELAY_ADMIN_KEY"
    for name, settings in accounts.items():
        if settings is base or settings.relay_admin_key is None:
            continue
        key = settings.relay_admin_key.get_secret_value()
        if key in owner:
            raise accounts_error(path, f"admin_key is the same as {owner[key]}; give each "
                                       "account its own admin key", name)
        owner[key] = f"the admin_key of account {name!r}"
    return owner
