"""What the simulator knows about one restaurant, and builders for Toast's shapes.

``RestaurantInfo`` follows ``toast-restaurants-openapi.yaml``; the partner record
follows ``PartnerAccessExternalRep`` in ``toast-partners-openapi.yaml``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]


@dataclass
class Address:
    address1: str
    city: str
    area: str
    zip_code: str
    country: str
    phone: str
    latitude: float
    longitude: float


@dataclass
class RestaurantSeed:
    """Everything the sim serves for one restaurant.

    ``menus`` is the ``/menus/v2/menus`` document, or None when nothing was ever
    published (Toast answers 404). ``stock`` holds ``{guid, status, quantity}`` rows.
    """

    guid: str
    name: str
    info: Json
    partner: Json
    menus: Json | None
    stock: list[Json] = field(default_factory=list)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _week(name: str, start: str, end: str, overnight: bool) -> Json:
    day = {
        "scheduleName": name,
        "services": [{"name": "Open", "hours": {"startTime": start, "endTime": end},
                      "overnight": overnight}],
        "openTime": start, "closeTime": end,
    }
    return day


def restaurant_info(
    guid: str, name: str, *, location_name: str, time_zone: str, currency: str,
    address: Address, group_guid: str, website: str,
) -> Json:
    """A full ``RestaurantInfo``; hours use Toast's local ``HH:mm:ss.SSS`` form."""
    return {
        "guid": guid,
        "general": {
            "name": name, "locationName": location_name, "locationCode": name[:3].upper(),
            "description": f"{name}, {location_name}", "timeZone": time_zone,
            "closeoutHour": 4, "managementGroupGuid": group_guid, "currencyCode": currency,
            "firstBusinessDate": 20190401, "archived": False,
        },
        "urls": {"website": website, "facebook": "", "twitter": "", "orderOnline": "",
                 "purchaseGiftCard": "", "checkGiftCard": ""},
        "location": {
            "address1": address.address1, "address2": "", "city": address.city,
            "stateCode": address.area, "administrativeArea": address.area,
            "zipCode": address.zip_code, "country": address.country, "phone": address.phone,
            "phoneCountryCode": "1", "latitude": address.latitude,
            "longitude": address.longitude,
        },
        "schedules": {
            "daySchedules": {
                "weekday": _week("weekday", "07:00:00.000", "22:00:00.000", False),
                "weekend": _week("weekend", "08:00:00.000", "01:00:00.000", True),
            },
            # A null day would mean closed that day; this restaurant opens daily.
            "weekSchedule": {
                "monday": "weekday", "tuesday": "weekday", "wednesday": "weekday",
                "thursday": "weekday", "friday": "weekend", "saturday": "weekend",
                "sunday": "weekday",
            },
        },
        "delivery": {"enabled": False, "minimum": 0.0, "area": ""},
        "onlineOrdering": {
            "enabled": True, "scheduling": False, "specialRequests": True,
            "specialRequestsMessage": "",
            "paymentOptions": {
                "delivery": {"cash": False, "ccSameDay": True, "ccFuture": False},
                "takeout": {"cash": True, "ccSameDay": True, "ccFuture": False,
                            "ccInStore": True},
                "ccTip": True,
            },
        },
        "prepTimes": {
            "deliveryPrepTime": 45, "deliveryTimeAfterOpen": 30, "deliveryTimeBeforeClose": 30,
            "takeoutPrepTime": 20, "takeoutTimeAfterOpen": 15, "takeoutTimeBeforeClose": 15,
            "takeoutThrottlingTime": 0, "deliveryThrottlingTime": 0,
        },
    }


def partner_rep(guid: str, name: str, location_name: str, group_guid: str,
                created: float, modified: float) -> Json:
    """``PartnerAccessExternalRep``: dates as epoch milliseconds plus ISO twins."""
    return {
        "restaurantGuid": guid, "managementGroupGuid": group_guid, "deleted": False,
        "restaurantName": name, "locationName": location_name,
        "createdByEmailAddress": "owner@example.com", "externalGroupRef": "",
        "externalRestaurantRef": "", "modifiedDate": int(modified * 1000),
        "createdDate": int(created * 1000), "isoModifiedDate": _iso(modified),
        "isoCreatedDate": _iso(created),
    }


def seed_guid(namespace: uuid.UUID, key: str) -> str:
    return str(uuid.uuid5(namespace, key))
