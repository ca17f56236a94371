"""The menus of "Harbor Lights Kitchen", the simulator's sample restaurant.

Written for this project (not Toast data). Between them the menus cover what a
board must handle: dayparts (one range past midnight, an always-available menu,
a 00:00-00:00 menu), nested groups, every item pricing strategy (docs/toast-api.md, pricing),
size groups with a SIZE_PRICE and a SEQUENCE_PRICE modifier group, premodifiers,
tags, images, calories, alcohol, hidden entities and non-ASCII names.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.sim.menu_builder import ALL_DAYS, WEEKDAYS, Json, MenuBuilder, pricing_rules, schedule

_IMG = "https://s3.amazonaws.com/toasttab/restaurants/restaurant-harbor-lights/menu/items/"
HIDDEN: tuple[str, ...] = ()  # an empty visibility array hides an entity on every channel


def _modifiers(b: MenuBuilder) -> dict[str, int]:
    """Modifier groups shared by several items, by a short name."""
    pre = b.premodifier_group("Standard Pre-mods", [("EXTRA", None, 1.5), ("NO", 0.0, None),
                                                    ("LIGHT", 0.0, None)])
    m: dict[str, int] = {}
    m["eggs"] = b.modifier_group("Egg Style", [
        b.option(n, 0.0, key=f"egg/{n}", default=i == 0)
        for i, n in enumerate(["Scrambled", "Over Easy", "Sunny Side Up", "Poached"])],
        min_sel=1, required="REQUIRED")
    m["addons"] = b.modifier_group("Add-ons", [
        b.option("Bacon", 2.0, calories=90), b.option("Avocado", 2.5, calories=80),
        b.option("Cheddar", 1.0, key="addon/Cheddar", calories=110)],
        max_sel=None, premodifiers=pre)
    # A default cheese in a YES group is charged: the as-served burger costs more.
    m["cheese"] = b.modifier_group("Add Cheese", [
        b.option("Cheddar", 1.0, key="cheese/Cheddar", default=True, calories=110),
        b.option("Swiss", 1.25, calories=100), b.option("Pepper Jack", 1.25, calories=100)],
        max_sel=2, required="OPTIONAL_FORCE_SHOW", premodifiers=pre)
    m["temp"] = b.modifier_group("Temperature", [
        b.option(n, 0.0, key=f"temp/{n}", default=n == "Medium")
        for n in ["Rare", "Medium Rare", "Medium", "Well Done"]],
        min_sel=1, required="REQUIRED")
    m["protein"] = b.modifier_group("Add Protein", [
        b.option("Grilled Chicken", 6.0), b.option("Shrimp", 8.0), b.option("Salmon", 10.0)],
        max_sel=None)
    m["milk"] = b.modifier_group("Milk", [
        b.option("Whole Milk", 0.0, default=True), b.option("Oat Milk", 0.75),
        b.option("Almond Milk", 0.75)], charge_defaults="NO")
    m["spirit"] = b.modifier_group("Spirit", [
        b.option(n, 0.0, alcohol="YES") for n in ["Vodka", "Gin", "Rum", "Tequila"]],
        min_sel=1, required="REQUIRED")
    # SEQUENCE_PRICE: the nth sauce costs the nth price; options carry GROUP_PRICE.
    seq = [{"sizeName": None, "sizeGuid": None, "sequencePrices": [
        {"sequence": 1, "price": 0.0}, {"sequence": 2, "price": 0.75},
        {"sequence": 3, "price": 1.0}]}]
    m["sauces"] = b.modifier_group("Wing Sauces", [
        b.option(n, None, strategy="GROUP_PRICE") for n in ["Buffalo", "BBQ", "Garlic Parmesan"]],
        strategy="SEQUENCE_PRICE", rules=pricing_rules(size_sequence=seq), min_sel=1,
        max_sel=3, required="REQUIRED")
    return m


def _sized(b: MenuBuilder, name: str, sizes: list[tuple[str, float]], **kw: Any) -> Json:
    """A SIZE_PRICE item: price null, rules point at its own auto-created Size group."""
    size = b.size_group(name, sizes)
    return b.item(name, None, strategy="SIZE_PRICE",
                  rules=pricing_rules(size_guid=b.group_guid(size)), modifiers=[size], **kw)


def _size_priced_group(b: MenuBuilder, name: str, size_ref: int, options: list[str],
                       prices: dict[str, float]) -> int:
    """A SIZE_PRICE modifier group: one rule per item size, matched by size name."""
    size_opts = b.modifier_groups[str(size_ref)]["modifierOptionReferences"]
    by_name = {b.modifier_options[str(r)]["name"]: b.option_guid(r) for r in size_opts}
    rules = [{"sizeName": s, "sizeGuid": by_name.get(s),
              "sequencePrices": [{"sequence": 1, "price": p}]} for s, p in prices.items()]
    return b.modifier_group(
        name, [b.option(n, None, strategy="GROUP_PRICE") for n in options],
        strategy="SIZE_PRICE", max_sel=None,
        rules=pricing_rules(size_guid=b.group_guid(size_ref), size_sequence=rules))


def _time_priced(b: MenuBuilder, name: str, base: float, special: float, start: str,
                 end: str, **kw: Any) -> Json:
    """TIME_SPECIFIC_PRICE: ``price`` is the base price, the windows live in the rules."""
    rule = {"timeSpecificPrice": special, "basePrice": base,
            "schedule": [schedule(WEEKDAYS, start, end)]}
    return b.item(name, base, strategy="TIME_SPECIFIC_PRICE",
                  rules=pricing_rules(time_rules=[rule]), **kw)


def simple_items(b: MenuBuilder, rows: list[tuple[str, float, str, int | None]],
            **kw: Any) -> list[Json]:
    return [b.item(n, p, description=d, calories=c, **kw)
            for n, p, d, c in rows]


def _breakfast(b: MenuBuilder, m: dict[str, int]) -> Json:
    sweet = b.group("Sweet Side", simple_items(b, [
        ("Buttermilk Pancakes", 10.5, "Three pancakes, maple syrup, whipped butter.", 820),
        ("Brioche French Toast", 11.5, "Cinnamon custard, berries.", 760),
        ("Belgian Waffle", 11.0, "Pearl sugar, strawberries.", 690),
        ("Crêpes Suzette", 12.0, "Orange butter, Grand Marnier flambé.", 540)]))
    eggs = b.group("Eggs & Griddle", [
        b.item("Two Eggs Any Style", 9.5, description="With home fries and toast.",
               modifiers=[m["eggs"], m["addons"]], calories=610),
        b.item("Harbor Benedict", 15.0, description="Canadian bacon, hollandaise.",
               calories=780, tags=["Chef's Pick"]),
        b.item("Lobster Benedict", 21.0, description="Butter-poached lobster, hollandaise.",
               calories=820, images=[_IMG + "lobster-benedict.jpg"]),
        b.item("Steak & Eggs", 19.5, description="Hanger steak, two eggs.",
               modifiers=[m["temp"], m["eggs"]], calories=980),
        b.item("Huevos Rancheros", 13.5, description="Black beans, salsa roja, queso fresco.",
               tags=["Vegetarian", "Spicy"], calories=720),
        b.item("Avocado Toast", 11.0, strategy="MENU_SPECIFIC_PRICE", tags=["Vegan"],
               description="Sourdough, chili flakes, lemon.", calories=430),
        b.item("Smoked Salmon Bagel", 14.0, description="Cream cheese, capers, red onion.",
               calories=590),
    ], children=[sweet])
    sides = b.group("Morning Sides", simple_items(b, [
        ("Applewood Bacon", 4.5, "Four strips.", 280), ("Chicken Sausage", 4.5, "", 210),
        ("Home Fries", 4.0, "", 320), ("Fresh Fruit Cup", 5.0, "Seasonal fruit.", 90)]))
    coffee = b.group("Coffee & Juice", [
        _sized(b, "Drip Coffee", [("Small", 2.75), ("Medium", 3.25), ("Large", 3.75)],
               calories=5),
        b.item("Cappuccino", 4.75, modifiers=[m["milk"]], calories=120),
        _sized(b, "Fresh Orange Juice", [("Small", 4.0), ("Large", 6.0)], calories=110),
        b.item("Mimosa", 10.0, alcohol="YES", description="Prosecco and orange juice.",
               calories=140, tags=["21+"]),
    ])
    return b.menu("Breakfast", [eggs, sides, coffee], description="Served mornings",
                  schedules=[schedule(WEEKDAYS, "07:00", "11:00"),
                             schedule(["SATURDAY", "SUNDAY"], "08:00", "12:00")])


def _lunch(b: MenuBuilder, m: dict[str, int]) -> Json:
    raw_bar = b.group("Raw Bar", [
        b.item("Oysters on the Half Shell", 18.0, description="Half dozen, mignonette.",
               tags=["Gluten Free", "Local"], calories=60),
        b.item("Shrimp Cocktail", 15.0, calories=180),
        b.item("Peel & Eat Shrimp", 16.0, unit="LB", description="Priced per pound."),
        b.item("Tuna Tartare", 16.5, calories=240, images=[_IMG + "tuna-tartare.jpg"]),
    ])
    starters = b.group("Starters", [
        b.item("New England Clam Chowder", 8.0, strategy="MENU_SPECIFIC_PRICE", calories=390,
               description="Cup, oyster crackers."),
        b.item("Jalapeño Poppers", 9.5, tags=["Spicy", "Vegetarian"], calories=520),
        b.item("Crispy Calamari", 13.0, calories=610),
        _time_priced(b, "Happy Hour Wings", 14.0, 9.0, "15:00", "18:00",
                     modifiers=[m["sauces"]], calories=900,
                     description="Ten wings. $9 weekdays 3-6 pm."),
        b.item("Avocado Toast", 13.0, strategy="MENU_SPECIFIC_PRICE", tags=["Vegan"],
               description="Sourdough, chili flakes, lemon.", calories=430),
    ], children=[raw_bar])
    fries = _sized(b, "Fries", [("Small", 3.5), ("Large", 5.0)], calories=380,
                   description="Hand-cut, sea salt.")
    fries_size = fries["modifierGroupReferences"][0]
    dip = _size_priced_group(b, "Dipping Sauce", fries_size,
                             ["Garlic Aioli", "Chipotle Mayo", "Malt Vinegar Mayo"],
                             {"Small": 0.5, "Large": 0.75})
    fries["modifierGroupReferences"].append(dip)
    sides = b.group("Sides", [fries, *simple_items(b, [
        ("Sweet Potato Fries", 6.0, "", 420), ("Onion Rings", 6.5, "Beer batter.", 480),
        ("Coleslaw", 3.5, "", 150)])])
    burgers = b.group("Burgers", [
        b.item("Harbor Burger", 16.0, modifiers=[m["temp"], m["cheese"], m["addons"]],
               description="Two smash patties, house sauce.", calories=980,
               images=[_IMG + "harbor-burger.jpg", _IMG + "harbor-burger-side.jpg"]),
        b.item("Black Bean Burger", 14.0, modifiers=[m["cheese"]], tags=["Vegetarian"],
               description="Chipotle black-bean patty, pickled onion.", calories=720),
    ], children=[sides])
    sandwiches = b.group("Sandwiches", [
        b.item("Lobster Roll", 29.0, description="Warm, brown butter, split-top bun.",
               tags=["Chef's Pick", "Local"], calories=610, images=[_IMG + "lobster-roll.jpg"]),
        b.item("Fish Tacos", 15.5, tags=["Spicy"], calories=640),
        b.item("Crab Cake Sandwich", 17.0, calories=700),
        b.item("Grilled Chicken Club", 14.5, modifiers=[m["addons"]], calories=850),
        b.item("Falafel Wrap", 12.5, tags=["Vegan"], calories=560),
    ])
    salads = b.group("Salads", [
        b.item("Caesar Salad", 11.0, modifiers=[m["protein"]], calories=420),
        b.item("Harbor Cobb", 15.0, modifiers=[m["protein"]], calories=690),
        b.item("Beet & Chèvre Salad", 13.0, tags=["Vegetarian", "Gluten Free"], calories=380),
        b.item("Quinoa Bowl", 14.0, tags=["Vegan"], calories=510),
    ])
    secret = b.group("Secret Menu", [b.item("Fisherman's Platter", 32.0)],
                     visibility=HIDDEN)
    return b.menu("Lunch", [starters, burgers, sandwiches, salads, secret],
                  schedules=[schedule(ALL_DAYS, "11:00", "16:00")])


def _dinner(b: MenuBuilder, m: dict[str, int]) -> Json:
    sea = b.group("From the Sea", [
        b.item("Whole Maine Lobster", None, strategy="OPEN_PRICE",
               description="Market price, steamed or grilled.", tags=["Local"]),
        b.item("Pan-Seared Scallops", 34.0, calories=560),
        b.item("Cedar Plank Salmon", 29.0, tags=["Gluten Free"], calories=620),
        b.item("Bouillabaisse", 36.0, description="Saffron broth, rouille.", calories=710),
        b.item("Fish & Chips", 22.0, calories=1100),
    ])
    pizza = _sized(b, "Flatbread Pizza", [('10"', 14.0), ('14"', 19.0)], calories=900)
    pizza["modifierGroupReferences"].append(_size_priced_group(
        b, "Pizza Toppings", pizza["modifierGroupReferences"][0],
        ["Pepperoni", "Mushrooms", "Roasted Peppers", "Extra Mozzarella"],
        {'10"': 1.5, '14"': 2.5}))
    land = b.group("From the Land", [
        pizza,
        b.item("Filet Mignon", 42.0, modifiers=[m["temp"]], calories=720),
        b.item("Roast Half Chicken", 26.0, calories=830),
        b.item("Mushroom Risotto", 24.0, tags=["Vegetarian"], calories=680),
        b.item("Staff Meal", 0.0, description="Employee meal, not for sale.",
               visibility=HIDDEN),
    ])
    mains = b.group("Mains", [], children=[sea, land])
    starters = b.group("Dinner Starters", [
        b.item("New England Clam Chowder", 9.0, strategy="MENU_SPECIFIC_PRICE", calories=390,
               description="Cup, oyster crackers."),
        b.item("Oysters Rockefeller", 17.0, calories=310),
    ])
    late = [schedule(["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY"], "16:00", "22:00"),
            schedule(["FRIDAY", "SATURDAY"], "16:00", "01:00")]
    return b.menu("Dinner", [starters, mains], schedules=late)


def _drinks(b: MenuBuilder, m: dict[str, int]) -> Json:
    beer = b.group("Beer & Wine", [
        _time_priced(b, "House Draft", 7.0, 5.0, "16:00", "18:00", alcohol="YES",
                     calories=180, description="16 oz. $5 weekdays 4-6 pm."),
        *simple_items(b, [
            ("Harbor IPA", 8.0, "6.8% ABV.", 210), ("Pinot Noir", 13.0, "Glass.", 125),
            ("Sauvignon Blanc", 12.0, "Glass.", 120), ("Prosecco", 11.0, "", 110)],
            alcohol="YES"),
    ])
    cocktails = b.group("Cocktails", [
        _time_priced(b, "Well Cocktail", 10.0, 7.0, "16:00", "18:00", alcohol="YES",
                     modifiers=[m["spirit"]], calories=160),
        *simple_items(b, [("Dark & Stormy", 12.0, "Dark rum, ginger beer, lime.", 190),
                     ("Piña Colada", 13.0, "", 450), ("Espresso Martini", 14.0, "", 230)],
                 alcohol="YES"),
    ])
    zero = b.group("Zero Proof", simple_items(b, [
        ("Lemonade", 4.5, "", 150), ("Iced Tea", 4.0, "", 0), ("Ginger Beer", 5.0, "", 170),
        ("Sparkling Water", 3.5, "", 0)]))
    return b.menu("Drinks", [beer, cocktails, zero], schedules=None)


def _desserts(b: MenuBuilder) -> Json:
    sweets = b.group("Sweets", simple_items(b, [
        ("Crème Brûlée", 9.5, "Tahitian vanilla.", 450),
        ("Key Lime Pie", 8.5, "Graham crust.", 520),
        ("Chocolate Lava Cake", 10.0, "Vanilla ice cream.", 780),
        ("Affogato", 7.0, "Espresso over gelato.", 210)]))
    return b.menu("Desserts", [sweets], schedules=[schedule(ALL_DAYS, "00:00", "00:00")])


def harbor_menus(namespace: uuid.UUID, restaurant_guid: str, last_updated: str) -> Json:
    b = MenuBuilder(namespace, 100_000_000_200_000_000)
    m = _modifiers(b)
    menus = [_breakfast(b, m), _lunch(b, m), _dinner(b, m), _drinks(b, m), _desserts(b),
             b.menu("Staff", [b.group("Staff Only", [b.item("Staff Shift Meal", 0.0)])],
                    schedules=None, visibility=HIDDEN)]
    return b.restaurant(restaurant_guid, "America/New_York", last_updated, menus)
