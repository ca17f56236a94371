"""Hand-made Toast webhooks for tests: the body and headers Toast would send."""

from __future__ import annotations

import time
import uuid

import orjson

from app.sim.webhooks import toast_time
from app.webhooks.signature import sign


def toast_webhook(secret: str, category: str, event_type: str, details: dict[str, object],
                  *, guid: str | None = None, timestamp: str | None = None,
                  ) -> tuple[bytes, dict[str, str]]:
    """A delivery as Toast would send it; dated now unless ``timestamp`` says otherwise
    (the relay refuses events dated far from its clock)."""
    timestamp = timestamp or toast_time(time.time())
    body = orjson.dumps({"timestamp": timestamp, "eventCategory": category,
                         "eventType": event_type, "guid": guid or str(uuid.uuid4()),
                         "details": details})
    headers = {
        "Content-Type": "application/json",
        "Toast-Signature": sign(body, timestamp, secret),
        "Toast-Event-Type": event_type,
        "Toast-Event-Category": category,
        "Toast-Attempt-Number": "1",
        "User-Agent": "Apache-HttpClient/4.5.10 (Java/1.8.0_212)",
    }
    restaurant = details.get("restaurantGuid")
    if isinstance(restaurant, str):
        headers["Toast-Restaurant-External-ID"] = restaurant
    return body, headers
