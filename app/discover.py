"""Which restaurants a set of Toast credentials reaches (for ``setup`` and ``check``).

Partner API clients list theirs through the partners API. Credentials with standard
API access (made by a restaurant in Toast Web) are refused there (403);
they list a management group's restaurants instead, asked through one restaurant of
that group (docs/toast-api.md, credentials), so they need one GUID to start from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.config import is_guid
from app.errors import ToastForbidden, ToastNotFound
from app.toast.client import ToastClient

Access = Literal["partner", "standard"]


@dataclass(frozen=True)
class Reachable:
    """A restaurant the credentials can read, with the names Toast gives it."""

    guid: str
    name: str
    location: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.location})" if self.location else self.name


@dataclass(frozen=True)
class Discovery:
    access: Access
    restaurants: tuple[Reachable, ...]
    unreadable: tuple[str, ...] = ()
    """GUIDs asked about that the credentials cannot read (Toast answered 403 or 404)."""

    @property
    def needs_guid(self) -> bool:
        """Standard access with nothing to start from: one restaurant GUID is needed."""
        return self.access == "standard" and not self.restaurants and not self.unreadable


async def partner_restaurants(toast: ToastClient) -> tuple[Reachable, ...] | None:
    """The restaurants that granted this partner client access; None for standard access."""
    try:
        rows = await toast.partner_restaurants()
    except ToastForbidden:
        return None
    return tuple(_from_partner(r) for r in rows
                 if not r.get("deleted") and is_guid(str(r.get("restaurantGuid", ""))))


async def group_restaurants(toast: ToastClient, known: Iterable[str]) -> Discovery:
    """Standard access: each known restaurant's management group, listed through it.

    A restaurant whose group cannot be listed (the group API refused) still counts
    itself; one the credentials cannot read is reported in ``unreadable``.
    """
    found: dict[str, Reachable] = {}
    order: list[str] = []
    unreadable: list[str] = []
    groups: set[str] = set()
    for guid in dict.fromkeys(g.lower() for g in known):
        if guid in found or guid in unreadable:
            continue
        info = await _info(toast, guid)
        if info is None:
            unreadable.append(guid)
            continue
        found[guid], group = info
        members = [guid]
        if group and group not in groups:
            groups.add(group)
            try:
                members = [g.lower() for g in await toast.group_restaurants(group, guid)]
            except (ToastForbidden, ToastNotFound):
                members = [guid]
        order.extend(g for g in [guid, *members] if g not in order)
    for guid in order:
        if guid not in found:
            info = await _info(toast, guid)
            if info is not None:
                found[guid] = info[0]
    return Discovery("standard", tuple(found[g] for g in order if g in found),
                     tuple(unreadable))


async def discover(toast: ToastClient, known: Sequence[str]) -> Discovery:
    """Partners API first; on 403 the management groups of the ``known`` restaurants."""
    partner = await partner_restaurants(toast)
    if partner is not None:
        return Discovery("partner", partner)
    return await group_restaurants(toast, known)


async def _info(toast: ToastClient, guid: str) -> tuple[Reachable, str] | None:
    try:
        info = await toast.restaurant(guid)
    except (ToastForbidden, ToastNotFound):
        return None
    general: dict[str, Any] = info.get("general") or {}
    name = str(general.get("name") or guid)
    group = str(general.get("managementGroupGuid") or "").lower()
    return (Reachable(guid, name, str(general.get("locationName") or "")),
            group if is_guid(group) else "")


def _from_partner(row: dict[str, Any]) -> Reachable:
    guid = str(row["restaurantGuid"]).lower()
    return Reachable(guid, str(row.get("restaurantName") or guid),
                     str(row.get("locationName") or ""))
