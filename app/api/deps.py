"""Dependencies of the ordinary (FastAPI) routes: one ``Annotated`` alias each.

A handler names what it receives and FastAPI does the rest, documentation
included (the key appears in /openapi.json in the header and in the query)::

    @router.get("/admin/changes/{restaurant}")
    async def changes(relay: RelayDep, _: AdminKey, guid: AdminRestaurant) -> Response: ...

Key checks are sub-dependencies, so they run before the handler's own parameters
are validated: a request without a key gets 401 before any 400. Screen routes
(/menu, /stock, /board, /image, /events) and POST /admin/refresh do not use these
at run time (they stay on the raw fast lane, see ``app.api.feeds`` and
``app.api.admin``), but their documentation stubs do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from app.access import KeyRing, Scope, check_metrics
from app.config import RESTAURANT_REF_PATTERN
from app.errors import Forbidden
from app.relay import Relay

_SCREEN = "A screen key from RELAY_API_KEYS"
_ADMIN = "The admin key, RELAY_ADMIN_KEY"
# auto_error=False: a missing key is our own 401 with the JSON error body, not FastAPI's.
_screen_header = APIKeyHeader(name="X-API-Key", scheme_name="ScreenKeyHeader",
                              description=f"{_SCREEN}, in the X-API-Key header.",
                              auto_error=False)
_screen_query = APIKeyQuery(name="key", scheme_name="ScreenKeyQuery",
                            description=f"{_SCREEN}, as ?key= (for players that cannot set "
                                        "headers; the header wins when both are sent).",
                            auto_error=False)
_admin_header = APIKeyHeader(name="X-API-Key", scheme_name="AdminKeyHeader",
                             description=f"{_ADMIN}, in the X-API-Key header.", auto_error=False)
_admin_query = APIKeyQuery(name="key", scheme_name="AdminKeyQuery",
                           description=f"{_ADMIN}, as ?key=.", auto_error=False)

RESTAURANT_DOC = ("A restaurant GUID (8-4-4-4-12 hex digits) or an alias from RELAY_RESTAURANTS. "
                  "A reference that is neither is 400; an unknown alias or a GUID outside "
                  "RELAY_RESTAURANTS is 404.")
RESTAURANT_EXAMPLES = ["harbor", "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"]


def get_relay(request: Request) -> Relay:
    """The relay the lifespan built (one per process)."""
    relay: Relay = request.app.state.relay
    return relay


RelayDep = Annotated[Relay, Depends(get_relay)]


def log_facts(request: Request) -> dict[str, Any] | None:
    """What the request's access-log line says (``AccessLog``), if it is being logged."""
    info = request.scope.get("relay")
    return info if isinstance(info, dict) else None


def screen_scope(
    relay: RelayDep,
    header: Annotated[str | None, Security(_screen_header)],
    query: Annotated[str | None, Security(_screen_query)],
) -> Scope:
    """The restaurants the presented screen key may read; 401 when it is missing or unknown."""
    return relay.keys.identify(header or query)


ScreenKey = Annotated[Scope, Depends(screen_scope)]
"""The presented screen key's scope (``X-API-Key`` first, else ``?key=``)."""


def require_admin(
    relay: RelayDep,
    header: Annotated[str | None, Security(_admin_header)],
    query: Annotated[str | None, Security(_admin_query)],
) -> str:
    """The account the presented admin key manages (``*``: RELAY_ADMIN_KEY, all of them);
    401 unless an admin key (constant-time compared) was presented."""
    return relay.keys.admin(header or query)


AdminKey = Annotated[str, Depends(require_admin)]
"""Admin routes take ``_: AdminKey`` (or ``account: AdminKey`` to scope what they show)."""

_METRICS = "RELAY_METRICS_KEY (only when it is set; /metrics is open otherwise)"
_metrics_bearer = HTTPBearer(scheme_name="MetricsBearer", auto_error=False,
                             description=f"{_METRICS}, as a bearer token (Prometheus' "
                                         "`authorization: {credentials: ...}`).")
_metrics_header = APIKeyHeader(name="X-API-Key", scheme_name="MetricsKeyHeader",
                               description=f"{_METRICS}, in the X-API-Key header.",
                               auto_error=False)
_metrics_query = APIKeyQuery(name="key", scheme_name="MetricsKeyQuery",
                             description=f"{_METRICS}, as ?key=.", auto_error=False)


def require_metrics(
    relay: RelayDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_metrics_bearer)],
    header: Annotated[str | None, Security(_metrics_header)],
    query: Annotated[str | None, Security(_metrics_query)],
) -> None:
    """401 when RELAY_METRICS_KEY is set and was not presented."""
    check_metrics(relay.settings.relay_metrics_key,
                  (bearer.credentials if bearer else None) or header or query)


MetricsKey = Annotated[None, Depends(require_metrics)]
"""/metrics takes ``_: MetricsKey``."""

# The pattern is documentation only: KeyRing.resolve applies the same rule with its own
# messages (validating it here would answer a generic "should match pattern").
_REF_SCHEMA = {"pattern": RESTAURANT_REF_PATTERN}
RestaurantPathParam = Annotated[str, Path(description=RESTAURANT_DOC,
                                          examples=RESTAURANT_EXAMPLES,
                                          json_schema_extra=_REF_SCHEMA)]
RestaurantQueryParam = Annotated[str, Query(description=RESTAURANT_DOC,
                                            examples=RESTAURANT_EXAMPLES,
                                            json_schema_extra=_REF_SCHEMA)]


def admin_restaurant(
    relay: RelayDep, account: AdminKey, request: Request, restaurant: RestaurantPathParam,
) -> str:
    """``{restaurant}`` → its GUID for an admin of its account (RELAY_ADMIN_KEY: any)."""
    guid = relay.keys.resolve(restaurant)
    note = log_facts(request)
    if note is not None:
        relay.keys.note(note, guid)
    check_manages(relay.keys, account, guid)
    return guid


def check_manages(keys: KeyRing, account: str, guid: str) -> None:
    """403 unless an admin of ``account`` manages restaurant ``guid``."""
    if not keys.manages(account, guid):
        raise Forbidden("this admin key manages another account; use that account's "
                        "admin_key or RELAY_ADMIN_KEY")


AdminRestaurant = Annotated[str, Depends(admin_restaurant)]
"""The GUID of the ``{restaurant}`` path parameter, after the admin key check."""


def screen_restaurant(
    relay: RelayDep, scope: ScreenKey, request: Request, restaurant: RestaurantPathParam,
) -> str:
    """``{restaurant}`` → its GUID, if the screen key may read it (401, 400, 404, 403): the
    fast lane's check (``KeyRing.admit``)."""
    return relay.keys.admit(scope, restaurant, log_facts(request))


ScreenRestaurant = Annotated[str, Depends(screen_restaurant)]
"""The GUID of the ``{restaurant}`` path parameter that the screen key may read."""


def screen_restaurant_query(
    relay: RelayDep, scope: ScreenKey, request: Request, restaurant: RestaurantQueryParam,
) -> str:
    """``?restaurant=`` → its GUID, if the screen key may read it (401, 400, 404, 403)."""
    return relay.keys.admit(scope, restaurant, log_facts(request))


ScreenRestaurantQuery = Annotated[str, Depends(screen_restaurant_query)]
"""The GUID of ``?restaurant=`` that the screen key may read."""
