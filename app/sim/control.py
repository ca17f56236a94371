"""``/_sim/*``: endpoints tests and demos use to steer the simulator (no auth).

Errors here use the relay's own ``{"error": ..., "detail": ...}`` shape, not
Toast's, so a test can tell a mistake in its set-up from a simulated failure.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.config import is_guid
from app.sim.faults import Fault
from app.sim.responses import json_response
from app.sim.restaurants import RestaurantSeed
from app.sim.state import MAX_FLEET, SimState, parse_toast_time
from app.sim.webhooks import webhook_config


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def _json(request: Request, *, default: Any = None) -> Any:
    raw = await request.body()
    if not raw.strip():
        return default
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ControlError(400, "body must be JSON") from None


def _positive(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


class Control:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def _record(self, request: Request) -> RestaurantSeed:
        guid = str(request.path_params["guid"]).lower()
        record = self.state.restaurants.get(guid)
        if record is None:
            raise ControlError(404, f"the simulator has no restaurant {guid}")
        return record

    async def calls(self, _: Request) -> Response:
        return json_response(self.state.counters.to_json())

    async def faults(self, _: Request) -> Response:
        return json_response(self.state.faults.to_json())

    async def reset(self, request: Request) -> Response:
        full = request.query_params.get("full", "").lower() in ("1", "true", "yes")
        self.state.reset(full=full)
        return json_response({"reset": True, "full": full})

    async def publish(self, request: Request) -> Response:
        record = self._record(request)
        if record.menus is None:
            raise ControlError(404, "this restaurant has no menu to publish")
        body = await _json(request, default={})
        if not isinstance(body, dict):
            raise ControlError(400, "body must be a JSON object")
        delay = body.get("delayMenus", 0)
        if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
            raise ControlError(400, "delayMenus must be a number of seconds >= 0")
        changed = 0
        if "price" in body:
            price = body["price"]
            item_guid, item_name = body.get("itemGuid"), body.get("itemName")
            if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
                raise ControlError(400, "price must be a number >= 0")
            if not isinstance(item_guid or item_name, str):
                raise ControlError(400, "name the item with itemGuid or itemName")
            try:
                self.state.hold(record, float(delay))
                changed = self.state.set_price(record, float(price), item_guid=item_guid,
                                               item_name=item_name)
            except LookupError as exc:
                raise ControlError(404, str(exc)) from None
            except ValueError as exc:
                raise ControlError(400, str(exc)) from None
        if "price" not in body:
            self.state.hold(record, float(delay))
        last_updated = self.state.bump(record)
        self.state.webhooks.menus_updated(record.guid, parse_toast_time(last_updated))
        return json_response({"restaurantGuid": record.guid, "lastUpdated": last_updated,
                              "changed": changed})

    async def stock(self, request: Request) -> Response:
        record = self._record(request)
        before = self.state.stock_view(record)
        try:
            self.state.set_stock(record, await _json(request))
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        after = self.state.stock_view(record)
        for item in sorted(before.keys() | after.keys()):
            old, new = before.get(item), after.get(item)
            if new is None and old is not None:  # back in stock
                new = ("IN_STOCK", None, old[2])
            if new is not None and (old is None or old[:2] != new[:2]):
                self.state.webhooks.stock_changed(record.guid, item, *new)
        return json_response({"restaurantGuid": record.guid, "rows": len(record.stock)})

    async def webhooks(self, request: Request) -> Response:
        """GET: where webhooks go and the recent deliveries; POST: set or clear the target."""
        sender = self.state.webhooks
        if request.method == "POST":
            body = await _json(request, default={})
            if not isinstance(body, dict):
                raise ControlError(400, "body must be a JSON object")
            try:
                config = webhook_config(body.get("url"), body.get("secret"),
                                        body.get("stockSecret"), body.get("timeScale", 1.0))
            except ValueError as exc:
                raise ControlError(400, str(exc)) from None
            client = body.get("client")
            if client is None:
                sender.config = config
            elif client not in self.state.credentials:
                raise ControlError(400, f"unknown client {str(client)[:60]!r}; known: "
                                        f"{', '.join(sorted(self.state.credentials))}")
            elif config is None:
                sender.subscriptions.pop(client, None)
            else:
                sender.subscriptions[client] = config
        return json_response({
            "config": sender.config.public() if sender.config else None,
            "subscriptions": {c: s.public() for c, s in sender.subscriptions.items()},
            "deliveries": [d.as_json() for d in sender.deliveries]})

    async def fault(self, request: Request) -> Response:
        try:
            fault = Fault.from_json(await _json(request))
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        if fault.client is not None and fault.client not in self.state.credentials:
            raise ControlError(400, f"client {fault.client!r} is not one of the simulator's "
                                    f"clients: {', '.join(sorted(self.state.credentials))}")
        self.state.faults.set(fault)
        return json_response(self.state.faults.to_json())

    async def token_lifetime(self, request: Request) -> Response:
        """{"seconds": N} for tokens issued from now on; optional "renewWindow": the
        seconds before expiry from which a login gets a new token (Toast: 60)."""
        body = await _json(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if not _positive(seconds):
            raise ControlError(400, 'body must be {"seconds": N} with N > 0')
        tokens = self.state.tokens
        window = body.get("renewWindow", tokens.renew_window)
        if not _positive(window):
            raise ControlError(400, "renewWindow must be a number of seconds > 0")
        tokens.lifetime, tokens.renew_window = float(seconds), float(window)
        return json_response({"seconds": tokens.lifetime, "renewWindow": tokens.renew_window})

    async def revoke(self, _: Request) -> Response:
        """Toast revokes every token: calls with them get 401 and are counted per token."""
        live = self.state.tokens.revoke()
        self.state.counters.revocations += 1
        return json_response({"revoked": live})

    async def large(self, request: Request) -> Response:
        guid = str(request.path_params["guid"])
        if not is_guid(guid):
            raise ControlError(400, "path must be a restaurant GUID")
        body = await _json(request, default={})
        if not isinstance(body, dict):
            raise ControlError(400, "body must be a JSON object")
        sizes = [body.get("items", 3000), body.get("modifierGroups", 500), body.get("seed", 1)]
        if not all(isinstance(v, int) and v >= 0 for v in sizes):
            raise ControlError(400, "items, modifierGroups and seed must be integers >= 0")
        self.state.load_large(guid, *sizes)
        record = self.state.restaurants[guid.lower()]
        return json_response({"restaurantGuid": record.guid,
                              "bytes": len(self.state.menu_bytes(record))})


    async def fleet(self, request: Request) -> Response:
        """Many restaurants sharing one generated menu (benchmarks of many locations):
        ``count`` new ones, or ``guids`` (e.g. a clients file's, each client's own)."""
        body = await _json(request, default={})
        if not isinstance(body, dict):
            raise ControlError(400, "body must be a JSON object")
        guids = _fleet_guids(body.get("guids", []))
        if guids and "count" in body:
            raise ControlError(400, "give count or guids, not both")
        count, items, groups, seed = sizes = [
            body.get("count", len(guids) or None), body.get("items", 150),
            body.get("modifierGroups", 5), body.get("seed", 1)]
        if not all(isinstance(v, int) and v >= 0 for v in sizes):
            raise ControlError(400, "count, items, modifierGroups and seed must be integers "
                                    ">= 0")
        if not 1 <= count <= MAX_FLEET:
            raise ControlError(400, f"count must be from 1 to {MAX_FLEET}")
        return json_response({"guids": self.state.load_fleet(count, items, groups, seed,
                                                             guids)})


def _fleet_guids(raw: object) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(g, str) and is_guid(g) for g in raw):
        raise ControlError(400, "guids must be a list of restaurant GUIDs")
    return list(dict.fromkeys(g.lower() for g in raw))


def _wrap(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            response: Response = await handler(request)
        except ControlError as err:
            return json_response({"error": "sim_control", "detail": err.detail}, err.status)
        return response
    return endpoint


def control_routes(state: SimState) -> list[Route]:
    c = Control(state)
    return [
        Route("/_sim/calls", _wrap(c.calls), methods=["GET"]),
        Route("/_sim/faults", _wrap(c.faults), methods=["GET"]),
        Route("/_sim/reset", _wrap(c.reset), methods=["POST"]),
        Route("/_sim/publish/{guid}", _wrap(c.publish), methods=["POST"]),
        Route("/_sim/stock/{guid}", _wrap(c.stock), methods=["POST"]),
        Route("/_sim/fault", _wrap(c.fault), methods=["POST"]),
        Route("/_sim/token-lifetime", _wrap(c.token_lifetime), methods=["POST"]),
        Route("/_sim/revoke", _wrap(c.revoke), methods=["POST"]),
        Route("/_sim/large/{guid}", _wrap(c.large), methods=["POST"]),
        Route("/_sim/fleet", _wrap(c.fleet), methods=["POST"]),
        Route("/_sim/webhooks", _wrap(c.webhooks), methods=["GET", "POST"]),
    ]
