"""Who may log in to the simulator: API clients, each with its own secret and restaurants.

Toast issues API access per restaurant or restaurant group, so an agency serving
several restaurant groups holds several clients, each reaching only its own
restaurants (docs/toast-api.md, restaurant access). The built-in clients are the
sample's; ``--clients FILE`` replaces them with a TOML file of the form::

    [clients.my-client]
    secret = "..."
    restaurants = ["<guid>", ...]
    partner = true   # optional; false: standard API access (no partners API)

A GUID the simulator does not know becomes a small generated restaurant.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import is_guid
from app.sim import sample
from app.sim.large import build_large_menu
from app.sim.restaurants import RestaurantSeed, partner_rep, restaurant_info

GENERATED_NAMESPACE = uuid.UUID("0c6f3a52-9d1e-4b7a-8f25-3e9d6c1b7a40")
GENERATED_GROUP_GUID = str(uuid.uuid5(GENERATED_NAMESPACE, "management-group"))
"""The management group of restaurants made up for a clients file's unknown GUIDs."""
_FIELDS = frozenset({"secret", "restaurants", "partner"})


@dataclass
class Credential:
    secret: str
    restaurants: set[str]
    naming_authority: str = "Harbor Lights Group"
    rs_guid: str = sample.GROUP_GUID
    partner: bool = True
    """A partner API client (may use the partners API); False: standard API access, which
    Toast answers 403 there (docs/toast-api.md, restaurant access)."""

    def __repr__(self) -> str:  # never show the secret
        return f"Credential(restaurants={sorted(self.restaurants)!r})"


def default_credentials() -> dict[str, Credential]:
    """The sample's clients: the demo partner client, its standard-access twin, the agency."""
    allowed = {sample.SAMPLE_RESTAURANT_GUID, sample.SECOND_RESTAURANT_GUID,
               sample.LARGE_RESTAURANT_GUID}
    return {
        sample.SAMPLE_CLIENT_ID: Credential(sample.SAMPLE_CLIENT_SECRET, allowed),
        sample.STANDARD_CLIENT_ID: Credential(
            sample.STANDARD_CLIENT_SECRET,
            {sample.SAMPLE_RESTAURANT_GUID, sample.SECOND_RESTAURANT_GUID}, partner=False),
        sample.AGENCY_CLIENT_ID: Credential(
            sample.AGENCY_CLIENT_SECRET,
            {sample.AGENCY_TAQUERIA_GUID, sample.AGENCY_BAKERY_GUID},
            naming_authority="Sol & Crumb Hospitality", rs_guid=sample.AGENCY_GROUP_GUID),
    }


@dataclass(frozen=True)
class ClientSpec:
    """One ``[clients.ID]`` table of a clients file."""

    client_id: str
    secret: str = field(repr=False)
    restaurants: tuple[str, ...]
    partner: bool = True


@dataclass(frozen=True)
class SimClients:
    """A clients file read once; each call builds fresh objects (``reset(full=True)``)."""

    source: Path
    specs: tuple[ClientSpec, ...]

    def credentials(self) -> dict[str, Credential]:
        return {s.client_id: Credential(s.secret, set(s.restaurants), partner=s.partner,
                                        naming_authority=s.client_id,
                                        rs_guid=GENERATED_GROUP_GUID)
                for s in self.specs}

    def restaurants(self) -> list[RestaurantSeed]:
        known = sample.simulated_restaurants()
        have = {r.guid for r in known} | {sample.LARGE_RESTAURANT_GUID}
        wanted = dict.fromkeys(g for s in self.specs for g in s.restaurants)
        return known + [generated_restaurant(g, i) for i, g in enumerate(wanted)
                        if g not in have]


def generated_restaurant(guid: str, seed: int) -> RestaurantSeed:
    """A small made-up restaurant for a GUID the simulator does not know."""
    name = f"Simulated Kitchen {guid[:8]}"
    doc = build_large_menu(24, 3, seed, guid)
    info = restaurant_info(guid, name, location_name="Simulated",
                           time_zone=str(doc["restaurantTimeZone"]), currency="USD",
                           address=sample.BENCH_ADDRESS, group_guid=GENERATED_GROUP_GUID,
                           website="")
    created = 1_700_000_000.0
    return RestaurantSeed(guid, name, info, partner_rep(
        guid, name, "Simulated", GENERATED_GROUP_GUID, created, created), doc)


def load_clients(path: Path) -> SimClients:
    """Read and check a clients file; ValueError says in one line what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"--clients {path}: cannot be read ({exc.strerror or exc}); "
                         "give the path of a readable TOML file") from None
    except UnicodeDecodeError:
        raise ValueError(f"--clients {path}: is not UTF-8 text; save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"--clients {path}: not valid TOML ({exc}); fix the file") from None
    return SimClients(path, parse_clients(data, f"--clients {path}"))


def parse_clients(data: dict[str, Any], where: str) -> tuple[ClientSpec, ...]:
    clients = data.get("clients")
    extra = sorted(set(data) - {"clients"})
    if extra:
        raise ValueError(f"{where}: unknown top-level key {extra[0]!r}; only [clients.ID] "
                         "tables belong here")
    if not isinstance(clients, dict) or not clients:
        raise ValueError(f"{where}: no clients; add at least one [clients.ID] table with "
                         "secret and restaurants")
    return tuple(_client(str(cid), body, f"{where}: client {cid!r}")
                 for cid, body in clients.items())


def _client(client_id: str, body: Any, where: str) -> ClientSpec:
    if not client_id.strip():
        raise ValueError(f"{where}: the client id is empty; name the table [clients.ID]")
    if not isinstance(body, dict):
        raise ValueError(f"{where}: must be a table with secret and restaurants")
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; the fields are "
                         f"{', '.join(sorted(_FIELDS))}")
    secret = body.get("secret")
    if not isinstance(secret, str) or not secret.strip():
        raise ValueError(f"{where}: secret must be a non-empty string")
    guids = body.get("restaurants")
    if not isinstance(guids, list) or not guids:
        raise ValueError(f"{where}: restaurants must be a non-empty list of restaurant GUIDs")
    for guid in guids:
        if not isinstance(guid, str) or not is_guid(guid):
            raise ValueError(f"{where}: restaurants: {str(guid)[:60]!r} is not a restaurant "
                             "GUID (8-4-4-4-12 hex digits)")
    partner = body.get("partner", True)
    if not isinstance(partner, bool):
        raise ValueError(f"{where}: partner must be true or false")
    return ClientSpec(client_id, secret, tuple(dict.fromkeys(g.lower() for g in guids)),
                      partner)
