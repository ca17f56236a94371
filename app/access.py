"""Keys: who may read which restaurant, the admin key, and what ``{restaurant}`` means.

Keys are compared in constant time against every configured key, so the time
taken does not reveal how much of a guessed key was right.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr
from starlette.types import Scope

from app.config import ALIAS_RULE, ALL_RESTAURANTS, KeyScopes, is_alias, is_guid
from app.errors import BadRequest, Forbidden, NotFound, Unauthorized

# Looks like someone meant a GUID (hex and dashes with a digit in it, or a first block
# of 8 hex digits with a digit among them): such a reference is a 400; anything else
# (say "decaf-cafe" or "my-new-cafe-bar") is an alias, 404 when unknown.
_GUID_ATTEMPT = re.compile(r"^(?=.*\d)[0-9a-fA-F-]{8,}$|^(?=[^-]*\d)[0-9a-fA-F]{8}-")


def header(scope: Scope, name: bytes) -> bytes | None:
    """A request header's raw value (``name`` lower-case), without building a Request."""
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


def presented_key(scope: Scope, query_key: str | None) -> str | None:
    """The key from ``X-API-Key``, else from ``?key=`` (many players cannot set headers)."""
    presented = header(scope, b"x-api-key")
    return presented.decode("latin-1") if presented else query_key


def _is(key: SecretStr, presented: str | None) -> bool:
    """Whether ``presented`` is ``key`` (compared in constant time)."""
    return bool(presented) and hmac.compare_digest(str(presented).encode(),
                                                   key.get_secret_value().encode())


def check_admin(admin_key: SecretStr | None, presented: str | None) -> None:
    """401 unless ``presented`` is the admin key (compared in constant time)."""
    if admin_key is None:
        raise Unauthorized("admin is disabled; set RELAY_ADMIN_KEY to use /admin")
    if not _is(admin_key, presented):
        raise Unauthorized("admin key missing or wrong; send RELAY_ADMIN_KEY as X-API-Key "
                           "or ?key=")


def check_metrics(metrics_key: SecretStr | None, presented: str | None) -> None:
    """Nothing while /metrics is open (no RELAY_METRICS_KEY); else 401 unless ``presented``
    is that key. Its own key, not the admin key: a scraper should hold no more than it
    needs."""
    if metrics_key is not None and not _is(metrics_key, presented):
        raise Unauthorized("metrics key missing or wrong; send RELAY_METRICS_KEY as "
                           "Authorization: Bearer, X-API-Key or ?key=")


class KeyRing:
    def __init__(self, scopes: KeyScopes, restaurants: Mapping[str, str]) -> None:
        self._aliases = dict(restaurants)
        self._allowlist = frozenset(restaurants.values())
        self._keys = [(k.encode(), self._normalise(v)) for k, v in scopes.items()]

    def _normalise(self, allowed: frozenset[str]) -> frozenset[str]:
        return frozenset(self._aliases.get(a, a.lower()) for a in allowed)

    def identify(self, presented: str | None) -> frozenset[str]:
        """The scope of ``presented``; 401 when it is missing or unknown."""
        if not presented:
            raise Unauthorized("no key given; send it in the X-API-Key header or as ?key=")
        candidate = presented.encode()
        found: frozenset[str] | None = None
        for key, scope in self._keys:
            if hmac.compare_digest(key, candidate):
                found = scope
        if found is None:
            raise Unauthorized("unknown key; use one of the keys in RELAY_API_KEYS")
        return found

    def resolve(self, ref: str) -> str:
        """A configured alias or a GUID → the lower-case GUID; 400/404 otherwise."""
        guid = self._aliases.get(ref)
        if guid is not None:
            return guid
        if is_guid(ref):
            guid = ref.lower()
            if self._allowlist and guid not in self._allowlist:
                raise NotFound(f"restaurant {guid} is not served by this relay "
                               "(it is not in RELAY_RESTAURANTS)")
            return guid
        if _GUID_ATTEMPT.match(ref):
            raise BadRequest(f"{ref!r} is not a valid restaurant GUID "
                             "(expected 8-4-4-4-12 hex digits)")
        if not is_alias(ref):
            raise BadRequest(f"{ref[:80]!r} is neither a restaurant GUID nor a valid alias "
                             f"({ALIAS_RULE})")
        raise NotFound(f"unknown restaurant alias {ref!r}; use a GUID or an alias from "
                       "RELAY_RESTAURANTS")

    def readable_path(self, scope: Scope, query_key: str | None) -> str:
        """A raw screen route's ``{restaurant}`` → its GUID, once the presented key
        (``X-API-Key`` first, else ``?key=``) may read it: 401, 400, 404, then 403."""
        return self.admit(self.identify(presented_key(scope, query_key)),
                          scope["path_params"]["restaurant"], scope["relay"])

    def admit(self, allowed: frozenset[str], ref: str,
              note: dict[str, Any] | None = None) -> str:
        """``ref`` (a GUID or alias) → its GUID, if a key of scope ``allowed`` (``identify``)
        may read it: 400, 404, then 403. With ``identify``, the key check of every screen
        request, the fast lane's and the FastAPI routes' alike.

        ``note``: the request's access-log facts, which then name the restaurant."""
        guid = self.resolve(ref)
        if note is not None:
            note["restaurant"] = guid
        self.authorize(allowed, guid)
        return guid

    def resolve_path(self, scope: Scope) -> str:
        """A raw route's ``{restaurant}`` → its GUID (400/404), named in the request's
        access-log line (for a route whose key is not a screen key)."""
        guid = self.resolve(scope["path_params"]["restaurant"])
        scope["relay"]["restaurant"] = guid
        return guid

    def authorize(self, scope: frozenset[str], guid: str) -> None:
        """403 unless ``scope`` covers ``guid``; the answer does not name the GUID (the
        request may have named an alias of another account's restaurant)."""
        if ALL_RESTAURANTS not in scope and guid not in scope:
            raise Forbidden("this key may not read this restaurant; use a key that "
                            "RELAY_API_KEYS allows for it")

    def readable(self, scope: frozenset[str], known: list[str]) -> list[str]:
        """The restaurants a key may list: configured ones, its own, and known ones for '*'."""
        candidates = list(dict.fromkeys([*self._allowlist, *known]))
        if ALL_RESTAURANTS not in scope:
            candidates = [g for g in dict.fromkeys([*candidates, *scope]) if g in scope]
        elif self._allowlist:
            candidates = [g for g in candidates if g in self._allowlist]
        return [g for g in candidates if is_guid(g)]

    def aliases_of(self, guid: str) -> list[str]:
        return [a for a, g in self._aliases.items() if g == guid and a != guid]
