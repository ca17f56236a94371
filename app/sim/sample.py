"""Sample restaurants for the simulator, written for this project (not Toast data).

"Harbor Lights Kitchen" exercises every part of menus V2 a board cares about:
dayparts (one range past midnight, one always-available menu, one 00:00-00:00),
nested groups, every item pricing strategy (docs/toast-api.md, pricing), size groups, a
SIZE_PRICE and a SEQUENCE_PRICE modifier group, premodifiers, tags, images,
calories, alcohol, hidden entities, non-ASCII names and starting stock.
"Maple Leaf Café" is a small CAD restaurant; the forbidden restaurant exists
but the demo client may not read it (403). "Taquería Sol" and "Rise & Crumb Bakery"
belong to another management group and another API client (an agency's), so the
simulator can show two Toast accounts side by side, each blind to the other's.
"""

from __future__ import annotations

import uuid

from app.sim.harbor_menu import harbor_menus, simple_items
from app.sim.large import LARGE_RESTAURANT_GUID, build_large_menu
from app.sim.menu_builder import ALL_DAYS, Json, MenuBuilder, pricing_rules, schedule
from app.sim.menu_walk import find_items
from app.sim.restaurants import Address, RestaurantSeed, partner_rep, restaurant_info

__all__ = [
    "AGENCY_BAKERY_GUID", "AGENCY_CLIENT_ID", "AGENCY_CLIENT_SECRET", "AGENCY_GROUP_GUID",
    "AGENCY_TAQUERIA_GUID", "FORBIDDEN_RESTAURANT_GUID", "GROUP_GUID", "LARGE_RESTAURANT_GUID",
    "SAMPLE_CLIENT_ID", "SAMPLE_CLIENT_SECRET", "SAMPLE_RESTAURANT_GUID",
    "SECOND_RESTAURANT_GUID", "STANDARD_CLIENT_ID", "STANDARD_CLIENT_SECRET",
    "agency_restaurants", "build_large_menu", "harbor_lights", "maple_leaf",
    "sample_restaurants", "simulated_restaurants",
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
# A second Toast account: an agency's partner client reaching two restaurants of another
# management group, none of the demo client's (and the demo client none of these).
AGENCY_CLIENT_ID = "demo-agency-client"
AGENCY_CLIENT_SECRET = "demo-agency-secret-not-for-production"  # noqa: S105 - public demo
AGENCY_GROUP_GUID = str(uuid.uuid5(_NS, "management-group:agency"))
AGENCY_TAQUERIA_GUID = str(uuid.uuid5(_NS, "restaurant:taqueria-sol"))
AGENCY_BAKERY_GUID = str(uuid.uuid5(_NS, "restaurant:rise-and-crumb"))
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


def taqueria_sol() -> RestaurantSeed:
    b = MenuBuilder(uuid.uuid5(_NS, "taqueria-sol"), 100_000_000_600_000_000)
    salsa = b.modifier_group("Salsa", [
        b.option("Verde", 0.0, default=True), b.option("Roja", 0.0),
        b.option("Habanero", 0.5)], min_sel=1, required="REQUIRED")
    tacos = b.group("Tacos", simple_items(b, [
        ("Al Pastor", 4.25, "Pork, pineapple, onion, cilantro.", 210),
        ("Carne Asada", 4.75, "Grilled steak, onion, cilantro.", 230),
        ("Nopales", 3.75, "Grilled cactus, queso fresco.", 150)], modifiers=[salsa]))
    drinks = b.group("Bebidas", simple_items(b, [
        ("Horchata", 3.5, "", 240), ("Agua de Jamaica", 3.25, "", 120)]))
    menus = [b.menu("Todo el Día", [tacos, drinks],
                    schedules=[schedule(ALL_DAYS, "11:00", "23:00")])]
    doc = b.restaurant(AGENCY_TAQUERIA_GUID, "America/Los_Angeles", SAMPLE_LAST_UPDATED, menus)
    address = Address("410 Mission St", "San Francisco", "CA", "94105", "US", "4155550161",
                      37.7897, -122.3972)
    return _agency_seed(AGENCY_TAQUERIA_GUID, "Taquería Sol", "Mission", doc, address,
                        "America/Los_Angeles", 3)


def rise_and_crumb() -> RestaurantSeed:
    b = MenuBuilder(uuid.uuid5(_NS, "rise-and-crumb"), 100_000_000_700_000_000)
    breads = b.group("Breads", simple_items(b, [
        ("Country Sourdough", 9.0, "Naturally leavened, 36-hour ferment.", None),
        ("Seeded Rye", 8.5, "", None)]))
    pastries = b.group("Pastries", simple_items(b, [
        ("Morning Bun", 4.5, "Orange zest, cinnamon sugar.", 380),
        ("Cardamom Knot", 4.75, "", 340)]))
    menus = [b.menu("Bakery", [breads, pastries],
                    schedules=[schedule(ALL_DAYS, "07:00", "15:00")])]
    doc = b.restaurant(AGENCY_BAKERY_GUID, "America/Los_Angeles", SAMPLE_LAST_UPDATED, menus)
    address = Address("22 Valencia St", "San Francisco", "CA", "94103", "US", "4155550177",
                      37.7698, -122.4223)
    return _agency_seed(AGENCY_BAKERY_GUID, "Rise & Crumb Bakery", "Valencia", doc, address,
                        "America/Los_Angeles", 4)


def _agency_seed(guid: str, name: str, location: str, doc: Json, address: Address,
                 time_zone: str, modified_days: int) -> RestaurantSeed:
    info = restaurant_info(guid, name, location_name=location, time_zone=time_zone,
                           currency="USD", address=address, group_guid=AGENCY_GROUP_GUID,
                           website="")
    partner = partner_rep(guid, name, location, AGENCY_GROUP_GUID, _CREATED,
                          _CREATED + modified_days * 86400)
    return RestaurantSeed(guid, name, info, partner, doc)


def agency_restaurants() -> list[RestaurantSeed]:
    """The agency client's two restaurants (``AGENCY_CLIENT_ID``)."""
    return [taqueria_sol(), rise_and_crumb()]


def simulated_restaurants() -> list[RestaurantSeed]:
    """Every restaurant the simulator serves by default: both accounts' and the forbidden one."""
    return [*sample_restaurants(), *agency_restaurants()]
