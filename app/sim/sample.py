"""Sample restaurants for the simulator, written for this project (not Toast data).

"Harbor Lights Kitchen" exercises every part of menus V2 a board cares about:
dayparts (one range past midnight, one always-available menu, one 00:00-00:00),
nested groups, every item pricing strategy (docs/toast-api.md, pricing), size groups, a
SIZE_PRICE and a SEQUENCE_PRICE modifier group, premodifiers, tags, images,
calories, alcohol, hidden entities, non-ASCII names and starting stock.
"Maple Leaf Café" is a small CAD restaurant; the forbidden restaurant exists
but the demo client may not read it (403).
"""

from __future__ import annotations

import uuid

from app.sim.harbor_menu import harbor_menus, simple_items
from app.sim.large import LARGE_RESTAURANT_GUID, build_large_menu
from app.sim.menu_builder import ALL_DAYS, Json, MenuBuilder, pricing_rules, schedule
from app.sim.menu_walk import find_items
from app.sim.restaurants import Address, RestaurantSeed, partner_rep, restaurant_info

__all__ = [
    "FORBIDDEN_RESTAURANT_GUID", "GROUP_GUID", "LARGE_RESTAURANT_GUID", "SAMPLE_CLIENT_ID",
    "SAMPLE_CLIENT_SECRET", "SAMPLE_RESTAURANT_GUID", "SECOND_RESTAURANT_GUID",
    "STANDARD_CLIENT_ID", "STANDARD_CLIENT_SECRET",
    "build_large_menu", "harbor_lights", "maple_leaf", "sample_restaurants",
]

_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/toast-relay/sim/sample")
SAMPLE_RESTAURANT_GUID = str(uuid.uuid5(_NS, "restaurant:harbor-lights"))
SECOND_RESTAURANT_GUID = str(uuid.uuid5(_NS, "restaurant:maple-leaf"))
FORBIDDEN_RESTAURANT_GUID = str(uuid.uuid5(_NS, "restaurant:not-connected"))
GROUP_GUID = str(uuid.uuid5(_NS, "management-group"))
SAMPLE_CLIENT_ID = "demo-client"
SAMPLE_CLIENT_SECRET = "demo-secret-not-for-production"  # noqa: S105 - public demo credential
# A client with standard API access (made by the restaurant in Toast Web): no partners API,
# so it finds its restaurants through the management group of one it knows.
STANDARD_CLIENT_ID = "demo-standard-client"
STANDARD_CLIENT_SECRET = "demo-standard-secret-not-for-production"  # noqa: S105 - public demo
SAMPLE_LAST_UPDATED = "2025-02-15T12:30:00.000+0000"
_CREATED = 1_700_000_000.0


BENCH_ADDRESS = Address("1 Benchmark Way", "Boston", "MA", "02110", "US", "6175550100",
                        42.3601, -71.0589)


def version_id(item_guid: str) -> str:
    """The stock API's ``versionId`` (reserved by Toast): stable per item here."""
    return str(uuid.uuid5(_NS, f"version:{item_guid.lower()}"))


def harbor_lights_menus() -> Json:
    return harbor_menus(uuid.uuid5(_NS, "harbor-lights"), SAMPLE_RESTAURANT_GUID,
                        SAMPLE_LAST_UPDATED)


def _item_guid(doc: Json, name: str) -> str:
    return str(find_items(doc, name=name)[0]["guid"])


def harbor_lights() -> RestaurantSeed:
    doc = harbor_lights_menus()
    stock: list[Json] = [
        {"guid": _item_guid(doc, "Key Lime Pie"), "status": "OUT_OF_STOCK", "quantity": None},
        {"guid": _item_guid(doc, "Crêpes Suzette"), "status": "OUT_OF_STOCK", "quantity": None},
        {"guid": _item_guid(doc, "Lobster Roll"), "status": "QUANTITY", "quantity": 4.0},
        {"guid": _item_guid(doc, "Oysters on the Half Shell"), "status": "QUANTITY",
         "quantity": 12.0},
    ]
    address = Address("12 Wharf Street", "Portland", "ME", "04101", "US", "2075550142",
                      43.6568, -70.2494)
    info = restaurant_info(SAMPLE_RESTAURANT_GUID, "Harbor Lights Kitchen",
                           location_name="Old Port", time_zone="America/New_York",
                           currency="USD", address=address, group_guid=GROUP_GUID,
                           website="https://harborlights.example.com")
    partner = partner_rep(SAMPLE_RESTAURANT_GUID, "Harbor Lights Kitchen", "Old Port",
                          GROUP_GUID, _CREATED, _CREATED + 86400)
    return RestaurantSeed(SAMPLE_RESTAURANT_GUID, "Harbor Lights Kitchen", info, partner,
                          doc, stock)


def maple_leaf() -> RestaurantSeed:
    b = MenuBuilder(uuid.uuid5(_NS, "maple-leaf"), 100_000_000_300_000_000)
    size = b.size_group("Café au lait", [("Petit", 3.75), ("Grand", 4.95)])
    cafe = b.group("Café", [
        b.item("Café au lait", None, strategy="SIZE_PRICE",
               rules=pricing_rules(size_guid=b.group_guid(size)), modifiers=[size]),
        *simple_items(b, [("Espresso", 3.25, "", 5), ("Thé glacé", 3.5, "", 90)])])
    bakery = b.group("Boulangerie", simple_items(b, [
        ("Croissant", 3.95, "Butter croissant.", 270), ("Pain au chocolat", 4.5, "", 300),
        ("Butter Tart", 4.25, "Ontario classic.", 350), ("Nanaimo Bar", 4.75, "", 330)]))
    menus = [b.menu("All Day", [cafe, bakery],
                    schedules=[schedule(ALL_DAYS, "06:30", "18:00")])]
    doc = b.restaurant(SECOND_RESTAURANT_GUID, "America/Toronto", SAMPLE_LAST_UPDATED, menus)
    address = Address("88 Queen St W", "Toronto", "ON", "M5H 2N2", "CA", "4165550188",
                      43.6525, -79.3839)
    info = restaurant_info(SECOND_RESTAURANT_GUID, "Maple Leaf Café", location_name="Queen West",
                           time_zone="America/Toronto", currency="CAD", address=address,
                           group_guid=GROUP_GUID, website="https://mapleleaf.example.com")
    partner = partner_rep(SECOND_RESTAURANT_GUID, "Maple Leaf Café", "Queen West", GROUP_GUID,
                          _CREATED, _CREATED + 2 * 86400)
    return RestaurantSeed(SECOND_RESTAURANT_GUID, "Maple Leaf Café", info, partner, doc,
                          [{"guid": _item_guid(doc, "Nanaimo Bar"), "status": "OUT_OF_STOCK",
                            "quantity": None}])


def forbidden() -> RestaurantSeed:
    """A restaurant Toast knows but that never connected this client: every call is 403."""
    b = MenuBuilder(uuid.uuid5(_NS, "forbidden"), 100_000_000_400_000_000)
    doc = b.restaurant(FORBIDDEN_RESTAURANT_GUID, "America/Chicago", SAMPLE_LAST_UPDATED, [
        b.menu("Main", [b.group("Mains", [b.item("Brisket Plate", 21.0)])], schedules=None)])
    address = Address("5 Elm St", "Austin", "TX", "78701", "US", "5125550100", 30.2672, -97.7431)
    info = restaurant_info(FORBIDDEN_RESTAURANT_GUID, "Not Your Smokehouse",
                           location_name="Downtown", time_zone="America/Chicago",
                           currency="USD", address=address, group_guid=GROUP_GUID,
                           website="https://smokehouse.example.com")
    partner = partner_rep(FORBIDDEN_RESTAURANT_GUID, "Not Your Smokehouse", "Downtown",
                          GROUP_GUID, _CREATED, _CREATED)
    return RestaurantSeed(FORBIDDEN_RESTAURANT_GUID, "Not Your Smokehouse", info, partner, doc)


def sample_restaurants() -> list[RestaurantSeed]:
    return [harbor_lights(), maple_leaf(), forbidden()]
