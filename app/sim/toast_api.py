"""The Toast endpoints the relay uses, answered from a ``SimState``.

Order of checks on a data call: injected outage, bearer token (401), restaurant
header (400 missing/malformed, 403 not accessible), rate limit (429), then the
answer, which an injected fault may still spoil (broken JSON, empty menu).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.config import is_guid
from app.sim.fault_effects import outage, spoil
from app.sim.ratelimit import Decision
from app.sim.responses import ToastHTTPError, error_response, json_response
from app.sim.restaurants import RestaurantSeed
from app.sim.state import SimState
from app.sim.tokens import SCOPES, Token

RESTAURANT_HEADER = "Toast-Restaurant-External-ID"
Handler = Callable[[Request, Token, RestaurantSeed | None], Response]


def _client_key(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    # Toast enforces the "Bearer" prefix; a bare token is rejected.
    return value.strip() if scheme.lower() == "bearer" else ""


def _login_client(state: SimState, raw: bytes,
                  read: Callable[[bytes], tuple[str, str]]) -> str | None:
    """The client a login names, if the sim knows it (a typo names no one), to count the
    login and apply that client's faults before the login itself is judged."""
    try:
        client_id = read(raw)[0]
    except ToastHTTPError:
        return None
    return client_id if client_id in state.credentials else None


class ToastApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    # --- shared steps -----------------------------------------------------

    def _authorize(self, bearer: str) -> Token:
        st = self.state
        token = st.tokens.lookup(bearer) if bearer else None
        if token is None:
            st.counters.unauthorized_calls += 1
            revoked = st.tokens.revoked(bearer) if bearer else None
            if revoked is not None:
                st.counters.refusals.refuse(revoked.jti, st.clock.monotonic())
                raise ToastHTTPError(401, "Authentication failed: the token was revoked")
            raise ToastHTTPError(401, "Authentication failed: send Authorization: Bearer "
                                      "<token> with a token from the login endpoint")
        if st.tokens.is_expired(token):
            st.counters.expired_token_calls += 1
            st.counters.unauthorized_calls += 1
            st.counters.refusals.refuse(token.jti, st.clock.monotonic())
            raise ToastHTTPError(401, "Authentication failed: the token has expired")
        return token

    def _restaurant(self, header: str, client_id: str) -> RestaurantSeed:
        if not header:
            raise ToastHTTPError(400, f"Missing required header {RESTAURANT_HEADER}")
        if not is_guid(header):
            raise ToastHTTPError(400, f"{RESTAURANT_HEADER} must be a restaurant GUID")
        record = self.state.accessible(client_id, header)
        if record is None:
            raise ToastHTTPError(403, "Access to this restaurant is not allowed for this client")
        return record

    def _limit(self, key: str, endpoint: str, client: str | None = None) -> Decision:
        decision = self.state.limiter.check(key, endpoint, client)
        if not decision.allowed:
            self.state.counters.rate_limited_calls += 1
            self.state.counters.over_limit_calls += 1
            raise ToastHTTPError(429, "Rate limit exceeded",
                                 decision.headers(self.state.clock.now()))
        return decision

    async def _guarded(self, request: Request, endpoint: str, handler: Handler, *,
                       needs_restaurant: bool = True, int_status: bool = False) -> Response:
        st = self.state
        header = request.headers.get(RESTAURANT_HEADER, "").strip()
        bearer = _bearer(request)
        client = st.tokens.owner(bearer) if bearer else None
        st.counters.call(endpoint, header.lower() if is_guid(header) else None, client)
        try:
            slow = outage(st, endpoint, client)
            token = self._authorize(bearer)
            record = self._restaurant(header, token.client_id) if needs_restaurant else None
            key = record.guid.lower() if record is not None else _client_key(request)
            # Toast counts a request when it arrives; a slow answer is slow after that.
            decision = self._limit(key, endpoint, token.client_id)
            if slow:
                await self.state.clock.sleep(slow)
            response = spoil(st, endpoint, handler(request, token, record), client)
            response.headers.update(decision.headers(st.clock.now()))
        except ToastHTTPError as err:
            response = error_response(err, int_status=int_status)
        st.counters.status(endpoint, response.status_code, client)
        return response

    # --- data endpoints ---------------------------------------------------

    async def metadata(self, request: Request) -> Response:
        return await self._guarded(request, "metadata", self._metadata)

    async def menus(self, request: Request) -> Response:
        return await self._guarded(request, "menus", self._menus)

    async def stock(self, request: Request) -> Response:
        return await self._guarded(request, "stock", self._stock, int_status=True)

    async def restaurant(self, request: Request) -> Response:
        return await self._guarded(request, "restaurants", self._restaurant_info)

    async def group(self, request: Request) -> Response:
        return await self._guarded(request, "groups", self._group_restaurants)

    async def partners(self, request: Request) -> Response:
        return await self._guarded(request, "partners", self._partners, needs_restaurant=False)

    @staticmethod
    def _published(record: RestaurantSeed | None) -> dict[str, Any]:
        if record is None or record.menus is None:
            raise ToastHTTPError(404, "No published menu data for this restaurant")
        return record.menus

    def _metadata(self, _: Request, __: Token, record: RestaurantSeed | None) -> Response:
        doc = self._published(record)
        assert record is not None
        return json_response({"restaurantGuid": doc["restaurantGuid"],
                              "lastUpdated": self.state.served_last_updated(record)})

    def _menus(self, _: Request, token: Token, record: RestaurantSeed | None) -> Response:
        doc = self._published(record)
        assert record is not None
        if self.state.faults.take("menus", frozenset({"empty_menu"}),
                                  token.client_id) is not None:
            return json_response({**doc, "menus": [], "modifierGroupReferences": {},
                                  "modifierOptionReferences": {},
                                  "preModifierGroupReferences": {}})
        return json_response(self.state.menu_bytes(record))

    def _stock(self, request: Request, _: Token, record: RestaurantSeed | None) -> Response:
        assert record is not None
        status = request.query_params.get("status")
        if status is not None and status not in ("OUT_OF_STOCK", "QUANTITY", "IN_STOCK"):
            raise ToastHTTPError(400, "status must be OUT_OF_STOCK or QUANTITY")
        return json_response(self.state.stock_rows(record, status))

    def _restaurant_info(self, request: Request, token: Token,
                         record: RestaurantSeed | None) -> Response:
        path_guid = str(request.path_params["guid"])
        target = self.state.accessible(token.client_id, path_guid) if is_guid(path_guid) else None
        if target is None:
            raise ToastHTTPError(404, "Restaurant not found")
        if target is not record:
            raise ToastHTTPError(400, f"{RESTAURANT_HEADER} must name the restaurant in the path")
        return json_response(target.info)

    def _group_restaurants(self, request: Request, token: Token,
                           record: RestaurantSeed | None) -> Response:
        """``[{"guid"}]`` for each restaurant of the management group; the header names one of
        them (how standard API access lists its locations: docs/toast-api.md, credentials)."""
        assert record is not None
        group = str(request.path_params["group"])
        if not is_guid(group):
            raise ToastHTTPError(400, "managementGroupGUID must be a GUID")
        if str(record.info["general"].get("managementGroupGuid", "")).lower() != group.lower():
            raise ToastHTTPError(400, f"{RESTAURANT_HEADER} must name a restaurant in the "
                                      "management group")
        return json_response([{"guid": g} for g in
                              self.state.group_members(token.client_id, group)])

    def _partners(self, request: Request, token: Token, _: RestaurantSeed | None) -> Response:
        if not self.state.credentials[token.client_id].partner:
            raise ToastHTTPError(403, "This API client does not have permission to use the "
                                      "partners API")
        since: float | None = None
        raw = request.query_params.get("lastModified")
        if raw:
            try:
                since = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000
            except ValueError:
                raise ToastHTTPError(400, "lastModified must look like "
                                          "2020-03-01T00:00:00.000-0000") from None
        rows = [r.partner for r in self.state.restaurants.values()
                if self.state.accessible(token.client_id, r.guid) is not None
                and (since is None or r.partner["modifiedDate"] > since)]
        return json_response(rows)

    # --- authentication ---------------------------------------------------

    async def _login(self, request: Request, counter: str,
                     read: Callable[[bytes], tuple[str, str]],
                     render: Callable[[Token], dict[str, Any]]) -> Response:
        st = self.state
        raw = await request.body()
        client = _login_client(st, raw, read)
        st.counters.call(counter, None, client)
        try:
            outage(st, "login", client)
            client_id, secret = read(raw)
            if st.check_secret(client_id, secret) is None:
                raise ToastHTTPError(401, "Invalid client credentials")
            decision = self._limit(_client_key(request), "login")
            token, new = st.tokens.login(client_id)
            if new:
                st.counters.token_issued(client_id)
            response = spoil(st, "login", json_response(render(token)), client)
            response.headers.update(decision.headers(st.clock.now()))
        except ToastHTTPError as err:
            response = error_response(err)
        st.counters.status(counter, response.status_code, client)
        return response

    async def login(self, request: Request) -> Response:
        """``POST /authentication/v1/authentication/login`` (JSON)."""
        def read(raw: bytes) -> tuple[str, str]:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ToastHTTPError(400, "Request body must be JSON") from None
            fields = [body.get(k) if isinstance(body, dict) else None
                      for k in ("clientId", "clientSecret", "userAccessType")]
            if not all(isinstance(f, str) and f for f in fields):
                raise ToastHTTPError(400, "clientId, clientSecret and userAccessType are required")
            if fields[2] != "TOAST_MACHINE_CLIENT":
                raise ToastHTTPError(400, "userAccessType must be TOAST_MACHINE_CLIENT")
            return str(fields[0]), str(fields[1])

        def render(token: Token) -> dict[str, Any]:
            return {"@class": ".SuccessfulResponse", "status": "SUCCESS", "token": {
                "tokenType": "Bearer", "scope": None,
                "expiresIn": self.state.tokens.remaining(token),
                "accessToken": token.access_token, "idToken": None, "refreshToken": None}}

        return await self._login(request, "login", read, render)

    async def oauth_token(self, request: Request) -> Response:
        """Deprecated ``POST /usermgmt/v1/oauth/token`` (form-encoded client_credentials)."""
        def read(raw: bytes) -> tuple[str, str]:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            if form.get("grant_type") != "client_credentials":
                raise ToastHTTPError(400, "grant_type must be client_credentials")
            if not form.get("client_id") or not form.get("client_secret"):
                raise ToastHTTPError(400, "client_id and client_secret are required")
            return form["client_id"], form["client_secret"]

        def render(token: Token) -> dict[str, Any]:
            cred = self.state.credentials[token.client_id]
            return {"access_token": token.access_token, "token_type": "bearer",
                    "expires_in": self.state.tokens.remaining(token),
                    "scope": " ".join(SCOPES), "jti": token.jti,
                    "namingAuthority": cred.naming_authority, "rsGuid": cred.rs_guid}

        return await self._login(request, "oauth_token", read, render)

