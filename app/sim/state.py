"""Everything one simulator instance holds: restaurants, credentials, tokens, counters, faults.

``Credential`` and the built-in clients live in ``app.sim.clients`` (imported here too).

Nothing here is global: each ``SimState`` is independent, and its clock is
injected so tests can move time without sleeping.
"""

from __future__ import annotations

import hmac
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from app.clock import Clock, SystemClock
from app.sim import sample
from app.sim.clients import Credential, default_credentials
from app.sim.counters import Counters
from app.sim.faults import Faults
from app.sim.images import TOAST_IMAGE_HOST, local_image_prefix
from app.sim.large import build_large_menu
from app.sim.menu_walk import find_items, stockable_ids
from app.sim.ratelimit import RateLimiter
from app.sim.restaurants import RestaurantSeed, partner_rep, restaurant_info
from app.sim.tokens import RENEW_WINDOW, TokenStore
from app.sim.webhooks import WebhookConfig, WebhookSender

Json = dict[str, Any]
STOCK_STATUSES = frozenset({"IN_STOCK", "QUANTITY", "OUT_OF_STOCK"})
DEFAULT_TOKEN_LIFETIME = 86400.0
FLEET_NAMESPACE = uuid.UUID("5f1e2d3c-4b5a-4968-8776-655443322110")
MAX_FLEET = 5000


def format_toast_time(epoch: float) -> str:
    """Toast's absolute timestamp: ``yyyy-MM-dd'T'HH:mm:ss.SSS+0000`` in UTC."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def parse_toast_time(value: str) -> float:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


class SimState:
    def __init__(
        self, *, clock: Clock | None = None, token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        restaurants: Callable[[], Iterable[RestaurantSeed]] = sample.simulated_restaurants,
        credentials: Callable[[], dict[str, Credential]] = default_credentials,
        global_rate_limit: int | None = 20, menus_interval: float | None = 1.0,
        client_per_second: int | None = 20, client_per_window: int | None = 10_000,
        webhooks: WebhookConfig | None = None,
        image_base: str | None = None,
    ) -> None:
        """``restaurants`` and ``credentials`` are factories so ``reset(full=True)`` can rebuild."""
        self.clock: Clock = clock or SystemClock()
        self._restaurant_factory = restaurants
        self._credential_factory = credentials
        self._default_lifetime = token_lifetime
        self.tokens = TokenStore(self.clock, token_lifetime)
        self.counters = Counters()
        self.faults = Faults()
        self.limiter = RateLimiter(self.clock, global_rate_limit, menus_interval,
                                   client_per_second=client_per_second,
                                   client_per_window=client_per_window)
        self.restaurants: dict[str, RestaurantSeed] = {}
        self.credentials: dict[str, Credential] = {}
        self._menu_bytes: dict[str, bytes] = {}
        self._held: dict[str, tuple[float, bytes, str]] = {}
        """guid → (until, bytes, lastUpdated): the document served until a delayed publish."""
        self.webhooks = WebhookSender(self.clock, webhooks)
        self.webhooks.clients_of = self.clients_reaching
        self.image_base = image_base
        """Serve the sample's images from this base URL (``/_sim/images/``), not Toast's S3."""
        self._load()

    def _load(self) -> None:
        self.restaurants = {r.guid.lower(): r for r in self._restaurant_factory()}
        self.credentials = self._credential_factory()
        self._menu_bytes.clear()
        self._held.clear()

    def reset(self, *, full: bool = False) -> None:
        """Clear counters, faults and rate-limit windows; ``full`` also restores data and tokens."""
        self.counters = Counters()
        self.faults.clear()
        self.limiter.reset()
        if full:
            self._load()
            self.tokens.forget()
            self.tokens.lifetime = self._default_lifetime
            self.tokens.renew_window = RENEW_WINDOW

    # --- lookups ----------------------------------------------------------

    def check_secret(self, client_id: str, secret: str) -> Credential | None:
        cred = self.credentials.get(client_id)
        if cred is None or not hmac.compare_digest(cred.secret.encode(), secret.encode()):
            return None
        return cred

    def clients_reaching(self, guid: str) -> list[str]:
        """The clients that may read restaurant ``guid``."""
        return [c for c in self.credentials if self.accessible(c, guid) is not None]

    def accessible(self, client_id: str, guid: str) -> RestaurantSeed | None:
        cred = self.credentials.get(client_id)
        record = self.restaurants.get(guid.lower())
        if cred is None or record is None:
            return None
        return record if record.guid.lower() in {g.lower() for g in cred.restaurants} else None

    def group_members(self, client_id: str, group_guid: str) -> list[str]:
        """GUIDs of the restaurants in ``group_guid`` this client may read, in sample order."""
        return [r.guid for r in self.restaurants.values()
                if str(r.info["general"].get("managementGroupGuid", "")).lower()
                == group_guid.lower() and self.accessible(client_id, r.guid) is not None]

    def hold(self, record: RestaurantSeed, seconds: float) -> None:
        """Keep serving the current document for ``seconds`` after the next publish.

        Toast builds the new ``/menus`` document after a delay that grows with menu size,
        and its webhook can arrive first (docs/toast-api.md, webhooks).
        """
        if seconds > 0 and record.menus is not None:
            self._held[record.guid.lower()] = (self.clock.monotonic() + seconds,
                                               self.menu_bytes(record),
                                               self.served_last_updated(record))

    def _still_held(self, record: RestaurantSeed) -> tuple[float, bytes, str] | None:
        held = self._held.get(record.guid.lower())
        if held is not None and self.clock.monotonic() >= held[0]:
            del self._held[record.guid.lower()]
            return None
        return held

    def served_last_updated(self, record: RestaurantSeed) -> str:
        """``lastUpdated`` as metadata and menus answer it now (a held document's)."""
        held = self._still_held(record)
        assert record.menus is not None
        return held[2] if held is not None else str(record.menus["lastUpdated"])

    def menu_bytes(self, record: RestaurantSeed) -> bytes:
        """The menus answer, serialised once per publish (large menus are megabytes)."""
        held = self._still_held(record)
        if held is not None:
            return held[1]
        key = record.guid.lower()
        if key not in self._menu_bytes:
            body = orjson.dumps(record.menus)
            if self.image_base:
                body = body.replace(TOAST_IMAGE_HOST.encode(),
                                    local_image_prefix(self.image_base).encode())
            self._menu_bytes[key] = body
        return self._menu_bytes[key]

    def stock_rows(self, record: RestaurantSeed, status: str | None) -> list[Json]:
        """``MenuItemInventory`` rows; IN_STOCK rows are never returned by GET."""
        ids = stockable_ids(record.menus or {})
        rows = []
        for row in record.stock:
            ml = ids.get(str(row["guid"]).lower())
            # Toast reports an unknown or archived guid as OUT_OF_STOCK + INVALID.
            state = row["status"] if ml is not None else "OUT_OF_STOCK"
            if state == "IN_STOCK" or (status is not None and state != status):
                continue
            rows.append({
                "guid": row["guid"], "itemGuidValidity": "VALID" if ml else "INVALID",
                "status": state, "quantity": row["quantity"] if state == "QUANTITY" else None,
                "multiLocationId": ml or "", "versionId": sample.version_id(str(row["guid"])),
            })
        return rows

    def stock_view(self, record: RestaurantSeed) -> dict[str, tuple[str, float | None, str]]:
        """Item GUID → (status, quantity, multiLocationId) for items not plainly in stock."""
        ids = stockable_ids(record.menus or {})
        return {str(r["guid"]).lower(): (str(r["status"]), r["quantity"],
                                         ids.get(str(r["guid"]).lower()) or "")
                for r in record.stock if r["status"] != "IN_STOCK"}

    # --- changes ----------------------------------------------------------

    def bump(self, record: RestaurantSeed) -> str:
        """Publish: move ``lastUpdated`` forward (strictly, even if the clock stood still)."""
        assert record.menus is not None
        previous = parse_toast_time(record.menus["lastUpdated"])
        stamp = max(math.floor(self.clock.now() * 1000) / 1000, previous + 0.001)
        record.menus["lastUpdated"] = format_toast_time(stamp)
        self._menu_bytes.pop(record.guid.lower(), None)
        return str(record.menus["lastUpdated"])

    def set_price(self, record: RestaurantSeed, price: float, *, item_guid: str | None,
                  item_name: str | None) -> int:
        """Change every occurrence of an item; LookupError/ValueError explain a refusal."""
        items = find_items(record.menus or {}, guid=item_guid, name=item_name)
        if not items:
            raise LookupError(f"no item {item_guid or item_name!r} in {record.name}")
        for item in items:
            strategy = item["pricingStrategy"]
            if strategy in ("SIZE_PRICE", "OPEN_PRICE"):
                raise ValueError(f"{item['name']} is {strategy}; its price is not one number")
            item["price"] = price
            for rule in (item.get("pricingRules") or {}).get("timeSpecificPricingRules", []):
                rule["basePrice"] = price
        return len(items)

    def set_stock(self, record: RestaurantSeed, rows: Any) -> None:
        """Replace stock with ``[{guid, status, quantity}]``; ValueError names the bad row."""
        if not isinstance(rows, list):
            raise ValueError("body must be a JSON list of {guid, status, quantity}")
        clean = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or not isinstance(row.get("guid"), str):
                raise ValueError(f"row {i}: needs a string guid")
            status, qty = row.get("status"), row.get("quantity")
            if status not in STOCK_STATUSES:
                raise ValueError(f"row {i}: status must be one of {sorted(STOCK_STATUSES)}")
            quantity: float | None = None
            if status == "QUANTITY":
                if not isinstance(qty, int | float) or qty <= 0:
                    raise ValueError(f"row {i}: QUANTITY needs a quantity > 0")
                quantity = float(qty)
            clean.append({"guid": row["guid"], "status": status, "quantity": quantity})
        record.stock = clean

    def load_menu(self, guid: str, doc: Json, *, name: str = "Large Test Kitchen") -> None:
        """Serve ``doc`` for ``guid``; an unknown guid becomes a restaurant anyone may read."""
        key = guid.lower()
        doc["restaurantGuid"] = key
        record = self.restaurants.get(key)
        if record is None:
            info = restaurant_info(key, name, location_name="Benchmark",
                                   time_zone=str(doc.get("restaurantTimeZone")),
                                   currency="USD", address=sample.BENCH_ADDRESS,
                                   group_guid=sample.GROUP_GUID, website="")
            now = self.clock.now()
            record = RestaurantSeed(key, name, info, partner_rep(
                key, name, "Benchmark", sample.GROUP_GUID, now, now), doc)
            self.restaurants[key] = record
            for cred in self.credentials.values():
                cred.restaurants.add(key)
        record.menus = doc
        self._menu_bytes.pop(key, None)

    def load_fleet(self, count: int, items: int, modifier_groups: int, seed: int,
                   guids: Sequence[str] = ()) -> list[str]:
        """``count`` new restaurants serving one generated menu, or the menu served for
        ``guids``; their GUIDs.

        The menu tree is shared between them (only the top-level record is copied), so a
        thousand restaurants cost the simulator one menu; a price change through
        ``/_sim/publish`` therefore shows in all of them, a plain publish in one. A GUID
        the simulator knows (a clients file's) keeps the clients that may read it, so
        each client's fleet stays its own.
        """
        template = build_large_menu(items, modifier_groups, seed)
        chosen = [g.lower() for g in guids] or [
            str(uuid.uuid5(FLEET_NAMESPACE, f"{seed}/{items}/{modifier_groups}/{i}"))
            for i in range(count)]
        for i, guid in enumerate(chosen):
            self.load_menu(guid, dict(template), name=f"Fleet Kitchen {i + 1}")
        return chosen

    def load_large(self, guid: str, items: int, modifier_groups: int, seed: int) -> None:
        self.load_menu(guid, build_large_menu(items, modifier_groups, seed, guid.lower()))
