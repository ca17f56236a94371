"""The restaurant facts a menu is shown with: its name, time zone and currency.

Read from Toast's restaurants API (``docs/toast-api.md``) when a menu is fetched, kept in
each snapshot, and used by every answer (the time zone decides what is available now, the
currency how prices read). Never tracked by the garbage collector: it holds no cycles.
"""

from __future__ import annotations

import msgspec


class RestaurantInfo(msgspec.Struct, frozen=True, gc=False):
    guid: str
    name: str
    time_zone: str
    currency: str

    def as_json(self) -> dict[str, str]:
        return {"guid": self.guid, "name": self.name, "timeZone": self.time_zone}
