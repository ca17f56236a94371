"""Keys: who may read which restaurant, the admin key, and what ``{restaurant}`` means.

Keys are compared in constant time against every configured key, so the time
taken does not reveal how much of a guessed key was right.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from starlette.types import Scope as ASGIScope

from app.config import ALIAS_RULE, ALL_RESTAURANTS, KeyScopes, is_alias, is_guid
from app.config.accounts import DEFAULT_ACCOUNT
from app.errors import BadRequest, Forbidden, NotFound, Unauthorized

# Looks like someone meant a GUID (hex and dashes with a digit in it, or a first block
# of 8 hex digits with a digit among them): such a reference is a 400; anything else
# (say "decaf-cafe" or "my-new-cafe-bar") is an alias, 404 when unknown.
_GUID_ATTEMPT = re.compile(r"^(?=.*\d)[0-9a-fA-F-]{8,}$|^(?=[^-]*\d)[0-9a-fA-F]{8}-")


def header(scope: ASGIScope, name: bytes) -> bytes | None:
    """A request header's raw value (``name`` lower-case), without building a Request."""
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


def presented_key(scope: ASGIScope, query_key: str | None) -> str | None:
    """The key from ``X-API-Key``, else from ``?key=`` (many players cannot set headers)."""
    presented = header(scope, b"x-api-key")
    return presented.decode("latin-1") if presented else query_key


def _is(key: SecretStr, presented: str | None) -> bool:
    """Whether ``presented`` is ``key`` (compared in constant time)."""
    return bool(presented) and hmac.compare_digest(str(presented).encode(),
                                                   key.get_secret_value().encode())


def check_metrics(metrics_key: SecretStr | None, presented: str | None) -> None:
    """Nothing while /metrics is open (no RELAY_METRICS_KEY); else 401 unless ``presented``
    is that key. Its own key, not the admin key: a scraper should hold no more than it
    needs."""
    if metrics_key is not None and not _is(metrics_key, presented):
        raise Unauthorized("metrics key missing or wrong; send RELAY_METRICS_KEY as "
                           "Authorization: Bearer, X-API-Key or ?key=")


@dataclass(frozen=True, slots=True)
class Scope:
    """What one screen key may read: restaurants of one account (``*``: all of them)."""

    account: str
    guids: frozenset[str]

    def __contains__(self, guid: object) -> bool:
        return guid in self.guids


AccountKeys = tuple[KeyScopes, Mapping[str, str], SecretStr | None]
"""One account's screen keys, its restaurants (alias or GUID → GUID) and its admin key."""


class KeyRing:
    """Every account's keys and restaurants: which account a restaurant belongs to, which
    key reads what, which admin key manages what (docs/accounts.md, keys).

    A restaurant belongs to the account listing it; the ``default`` account, when it lists
    none (no RELAY_RESTAURANTS), also takes every GUID no account lists. A key reads only
    its own account's restaurants, whatever GUID it asks for."""

    def __init__(self, scopes: KeyScopes, restaurants: Mapping[str, str],
                 account: str = DEFAULT_ACCOUNT) -> None:
        self._load({account: (scopes, restaurants, None)}, None)

    @classmethod
    def of_accounts(cls, accounts: Mapping[str, AccountKeys],
                    admin_key: SecretStr | None) -> KeyRing:
        """Keys of several accounts; ``admin_key`` (RELAY_ADMIN_KEY) manages them all."""
        ring = cls({}, {})
        ring._load(accounts, admin_key)
        return ring

    def replace(self, other: KeyRing) -> None:
        """Take ``other``'s tables (a reloaded accounts file), in one step for readers."""
        self.__dict__.update(other.__dict__)

    def _load(self, accounts: Mapping[str, AccountKeys], admin_key: SecretStr | None) -> None:
        self._several = len(accounts) > 1 or DEFAULT_ACCOUNT not in accounts
        self._aliases: dict[str, str] = {}
        self._owner: dict[str, str] = {}
        self._open: str | None = None
        keys: list[tuple[bytes, Scope]] = []
        admins: list[tuple[bytes, str]] = []
        if admin_key is not None:
            admins.append((admin_key.get_secret_value().encode(), ALL_RESTAURANTS))
        for name, (_, restaurants, admin) in accounts.items():
            self._aliases.update(restaurants)
            self._owner.update({guid: name for guid in restaurants.values()})
            if not restaurants and name == DEFAULT_ACCOUNT:
                self._open = name
            if admin is not None and name != DEFAULT_ACCOUNT:
                admins.append((admin.get_secret_value().encode(), name))
        for name, (scopes, _, _) in accounts.items():
            keys.extend((k.encode(), Scope(name, self._normalise(v)))
                        for k, v in scopes.items())
        self._keys = keys
        self._admins = admins

    def _normalise(self, allowed: frozenset[str]) -> frozenset[str]:
        return frozenset(self._aliases.get(a, a.lower()) for a in allowed)

    def identify(self, presented: str | None) -> Scope:
        """The scope of ``presented``; 401 when it is missing or unknown."""
        if not presented:
            raise Unauthorized("no key given; send it in the X-API-Key header or as ?key=")
        candidate = presented.encode()
        found: Scope | None = None
        for key, scope in self._keys:
            if hmac.compare_digest(key, candidate):
                found = scope
        if found is None:
            raise Unauthorized("unknown key; use one of the keys in RELAY_API_KEYS" +
                               (" or an account's screen_keys" if self._several else ""))
        return found

    def admin(self, presented: str | None) -> str:
        """The account an admin key manages (``*``: RELAY_ADMIN_KEY, every account);
        401 when ``presented`` is no admin key."""
        if not self._admins:
            raise Unauthorized("admin is disabled; set RELAY_ADMIN_KEY to use /admin")
        candidate = (presented or "").encode()
        found: str | None = None
        for key, account in self._admins:
            if hmac.compare_digest(key, candidate):
                found = account
        if not presented or found is None:
            raise Unauthorized("admin key missing or wrong; send RELAY_ADMIN_KEY (or an "
                               "account's admin_key) as X-API-Key or ?key=")
        return found

    @property
    def any_admin(self) -> bool:
        """Whether some admin key is configured (RELAY_ADMIN_KEY or an account's)."""
        return bool(self._admins)

    def _serving(self, guid: str) -> str | None:
        """The account serving ``guid``: the one listing it, else the open ``default``."""
        return self._owner.get(guid) or self._open

    def account_of(self, guid: str) -> str:
        """The account serving ``guid`` (a lower-case GUID); 404 when none does."""
        account = self._serving(guid)
        if account is None:
            raise NotFound(f"restaurant {guid} is not served by this relay " + (
                "(no account in RELAY_ACCOUNTS_FILE lists it)" if self._several
                else "(it is not in RELAY_RESTAURANTS)"))
        return account

    def resolve(self, ref: str) -> str:
        """A configured alias or a GUID → the lower-case GUID; 400/404 otherwise."""
        guid = self._aliases.get(ref)
        if guid is not None:
            return guid
        if is_guid(ref):
            guid = ref.lower()
            self.account_of(guid)
            return guid
        if _GUID_ATTEMPT.match(ref):
            raise BadRequest(f"{ref!r} is not a valid restaurant GUID "
                             "(expected 8-4-4-4-12 hex digits)")
        if not is_alias(ref):
            raise BadRequest(f"{ref[:80]!r} is neither a restaurant GUID nor a valid alias "
                             f"({ALIAS_RULE})")
        raise NotFound(f"unknown restaurant alias {ref!r}; use a GUID or an alias from "
                       "RELAY_RESTAURANTS" + (" or an account's restaurants"
                                              if self._several else ""))

    def readable_path(self, scope: ASGIScope, query_key: str | None) -> str:
        """A raw screen route's ``{restaurant}`` → its GUID, once the presented key
        (``X-API-Key`` first, else ``?key=``) may read it: 401, 400, 404, then 403."""
        return self.admit(self.identify(presented_key(scope, query_key)),
                          scope["path_params"]["restaurant"], scope["relay"])

    def admit(self, allowed: Scope, ref: str, note: dict[str, Any] | None = None) -> str:
        """``ref`` (a GUID or alias) → its GUID, if a key of scope ``allowed`` (``identify``)
        may read it: 400, 404, then 403. With ``identify``, the key check of every screen
        request, the fast lane's and the FastAPI routes' alike.

        ``note``: the request's access-log facts, which then name the restaurant."""
        guid = self.resolve(ref)
        owner = self._serving(guid)
        if note is not None:
            note["restaurant"], note["account"] = guid, owner
        self._authorize(allowed, guid, owner)
        return guid

    def note(self, note: dict[str, Any], guid: str) -> None:
        """Name restaurant ``guid`` and its account in a request's access-log facts
        (``scope["relay"]``)."""
        note["restaurant"], note["account"] = guid, self._serving(guid)

    def resolve_path(self, scope: ASGIScope) -> str:
        """A raw route's ``{restaurant}`` → its GUID (400/404), named in the request's
        access-log line (for a route whose key is not a screen key)."""
        guid = self.resolve(scope["path_params"]["restaurant"])
        self.note(scope["relay"], guid)
        return guid

    def authorize(self, scope: Scope, guid: str) -> None:
        """403 unless ``scope`` covers ``guid``; the answer does not name the GUID (the
        request may have named an alias of another account's restaurant)."""
        self._authorize(scope, guid, self._serving(guid))

    def _authorize(self, scope: Scope, guid: str, owner: str | None) -> None:
        """``authorize``, with ``guid``'s account already looked up."""
        if (scope.account != owner
                or (ALL_RESTAURANTS not in scope.guids and guid not in scope.guids)):
            raise Forbidden("this key may not read this restaurant; use a key that "
                            "RELAY_API_KEYS" + (" or its account's screen_keys"
                                                if self._several else "") + " allows for it")

    def manages(self, account: str, guid: str) -> bool:
        """Whether an admin of ``account`` (``admin``) manages restaurant ``guid``."""
        return account == ALL_RESTAURANTS or self._serving(guid) == account

    def listed(self, account: str | None = None) -> list[str]:
        """The restaurants the accounts list (one account's with ``account``), in order."""
        return list(dict.fromkeys(g for g, a in self._owner.items()
                                  if account is None or a == account))

    def readable(self, scope: Scope, known: list[str]) -> list[str]:
        """The restaurants a key may list: its account's listed ones and, for an account
        taking any GUID, the known ones; narrowed to the key's own list unless ``*``."""
        mine = self.listed(scope.account)
        if self._open == scope.account:
            mine += [g for g in known if g not in self._owner]
        if ALL_RESTAURANTS not in scope.guids:
            mine = [g for g in dict.fromkeys([*mine, *scope.guids]) if g in scope.guids
                    and self._serving(g) == scope.account]
        return [g for g in dict.fromkeys(mine) if is_guid(g)]

    def aliases_of(self, guid: str) -> list[str]:
        return [a for a, g in self._aliases.items() if g == guid and a != guid]
