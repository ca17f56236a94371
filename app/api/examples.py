"""Answers of the demo's sample restaurant ("Harbor Lights Kitchen"), shown in /docs."""

from __future__ import annotations

from typing import Any

HARBOR = {"guid": "c0dd7491-1f6d-5316-a0d3-afe13f97e29c", "name": "Harbor Lights Kitchen",
          "timeZone": "America/New_York"}

_COFFEE: dict[str, Any] = {
    "menu": "Breakfast", "group": "Coffee & Juice", "groupPath": "Coffee & Juice",
    "name": "Drip Coffee", "guid": "95b2dccd-d84d-59da-b20f-b9fc670d6b22", "description": "",
    "image": None, "price": 2.75, "priceText": "$2.75",
    "sizes": [{"name": "Small", "price": 2.75}, {"name": "Medium", "price": 3.25},
              {"name": "Large", "price": 3.75}],
    "tags": [], "calories": 5, "outOfStock": False, "quantity": None, "alcohol": False,
    "modifiers": ""}
_BURGER: dict[str, Any] = {
    "menu": "Lunch", "group": "Burgers", "groupPath": "Burgers", "name": "Black Bean Burger",
    "guid": "d2ed7af5-a563-534a-805b-6f9b47894e9d",
    "description": "Chipotle black-bean patty, pickled onion.", "image": None, "price": 14.0,
    "priceText": "$14.00", "sizes": [], "tags": ["Vegetarian"], "calories": 720,
    "outOfStock": False, "quantity": None, "alcohol": False,
    "modifiers": "Add Cheese: Cheddar +$1.00, Swiss +$1.25, Pepper Jack +$1.25"}
_FRESH = {"lastUpdated": "2025-02-15T12:30:00.000+0000", "fetchedAt": "2026-11-22T13:35:32Z",
          "stale": False}

MENU_EXAMPLE: dict[str, Any] = {"restaurant": HARBOR, **_FRESH, "items": [_COFFEE, _BURGER]}
MENU_CSV_EXAMPLE = (
    "menu,group,groupPath,name,guid,description,image,price,priceText,sizes,tags,calories,"
    "outOfStock,quantity,alcohol,modifiers\r\n"
    "Breakfast,Coffee & Juice,Coffee & Juice,Drip Coffee,95b2dccd-d84d-59da-b20f-b9fc670d6b22,"
    ",,2.75,$2.75,Small $2.75 | Medium $3.25 | Large $3.75,,5,false,,false,\r\n")
GROUPS_EXAMPLE: dict[str, Any] = {"restaurant": HARBOR, **_FRESH, "menus": [{
    "name": "Lunch", "guid": "276ff18e-d411-5cb4-8a44-a14afd0a1c3c", "description": "",
    "image": None, "groups": [{
        "name": "Burgers", "guid": "1b453242-bb84-5fa4-be8f-7750f0c364a7", "description": "",
        "image": None, "items": [_BURGER], "groups": []}]}]}
STOCK_EXAMPLE: dict[str, Any] = {
    "restaurant": HARBOR, "fetchedAt": "2026-11-22T13:35:32Z", "stale": False, "items": [
        {"guid": "1a914247-e571-5ab8-a256-a5f1953e624f", "name": "Key Lime Pie",
         "status": "OUT_OF_STOCK", "outOfStock": True, "quantity": None,
         "multiLocationId": "100000000200000151"},
        {"guid": "9d1a2418-b43e-597f-bfc9-a405e20d1603", "name": "Lobster Roll",
         "status": "QUANTITY", "outOfStock": False, "quantity": 4.0,
         "multiLocationId": "100000000200000095"}]}
RESTAURANTS_EXAMPLE: dict[str, Any] = {"restaurants": [
    {**HARBOR, "aliases": ["harbor"]},
    {"guid": "b8aadf60-1097-5040-bc11-f88729ad0b9f", "aliases": ["maple"],
     "name": "Maple Leaf Café", "timeZone": "America/Toronto"}]}
