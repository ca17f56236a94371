"""The sim's answers validate against Toast's own OpenAPI specs (docs/toast-api.md, quirks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.sim.large import build_large_menu
from app.sim.sample import (
    GROUP_GUID,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
    harbor_lights_menus,
)
from tests.support.menus_semantic import semantic_errors
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers
from tests.support.toast_schema import errors, load_spec, validator

MENUS = "toast-menus-openapi.yaml"


@pytest.fixture(scope="module")
def restaurant_schema() -> Any:
    return validator(MENUS, "Restaurant", strict=True)


def test_yes_no_enums_stay_strings() -> None:
    """The YAML loader keeps YES/NO as strings (docs/toast-api.md, quirks)."""
    alcohol = load_spec(MENUS)["definitions"]["Alcohol"]["properties"]["containsAlcohol"]
    assert alcohol["enum"] == ["YES", "NO"]


@pytest.mark.parametrize("guid", [SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID])
async def test_menus_answer_is_spec_valid(client: httpx.AsyncClient, token: str, guid: str,
                                          restaurant_schema: Any) -> None:
    """/menus/v2/menus validates in literal and strict mode and passes the semantic checks."""
    doc = (await client.get("/menus/v2/menus", headers=headers(token, guid))).json()
    assert errors(validator(MENUS, "Restaurant", strict=False), doc) == []
    assert errors(restaurant_schema, doc) == []
    assert semantic_errors(doc) == []


def test_example_menus_validate_as_a_control(restaurant_schema: Any) -> None:
    """The project's known-valid example passes the same validator, so the tooling is sane."""
    doc = json.loads(Path("/work/shared/toast/example-menus.json").read_text("utf-8"))
    assert errors(restaurant_schema, doc) == []
    assert semantic_errors(doc) == []


def test_large_menu_is_spec_valid(restaurant_schema: Any) -> None:
    """A generated large menu is as valid as the sample."""
    doc = build_large_menu(400, 60, seed=3)
    assert errors(restaurant_schema, doc) == []
    assert semantic_errors(doc) == []


def _first_item(doc: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = doc["menus"][0]["menuGroups"][0]["menuItems"][0]
    return item


@pytest.mark.parametrize(("mutate", "strict_only"), [
    (lambda d: _first_item(d).update(price="9.50"), False),
    (lambda d: _first_item(d).update(pricingStrategy="GROUP_PRICE"), False),
    (lambda d: _first_item(d).update(visibility=["WEB"]), False),
    (lambda d: d.update(restaurantGuid="not-a-guid"), False),
    (lambda d: _first_item(d)["contentAdvisories"]["alcohol"].update(containsAlcohol="MAYBE"),
     False),
    (lambda d: d["menus"][0]["availability"].update(alwaysAvailable="yes"), True),
    (lambda d: d["menus"][0]["availability"]["schedule"][0].update(days=["MON"]), True),
])
def test_validator_bites(mutate: Any, strict_only: bool, restaurant_schema: Any) -> None:
    """Broken documents are rejected; some mistakes are caught only in strict mode."""
    doc = harbor_lights_menus()
    mutate(doc)
    assert errors(restaurant_schema, doc) != []
    literal = errors(validator(MENUS, "Restaurant", strict=False), doc)
    assert (literal == []) == strict_only


def test_semantic_checks_bite() -> None:
    """A dangling modifier reference or an unresolvable size group is reported."""
    doc = harbor_lights_menus()
    _first_item(doc)["modifierGroupReferences"].append(9999)
    sized = next(g for g in doc["modifierGroupReferences"].values()
                 if g["pricingStrategy"] == "SIZE_PRICE")
    sized["pricingRules"]["sizeSpecificPricingGuid"] = "00000000-0000-0000-0000-000000000000"
    found = semantic_errors(doc)
    assert any("9999" in e for e in found)
    assert any("sizeSpecificPricingGuid" in e for e in found)


async def test_other_answers_are_spec_valid(client: httpx.AsyncClient, token: str) -> None:
    """Metadata, stock, restaurant info, group, partners and login answers match their specs."""
    h = headers(token)
    meta = (await client.get("/menus/v2/metadata", headers=h)).json()
    stock = (await client.get("/stock/v1/inventory", headers=h)).json()
    info = (await client.get(f"/restaurants/v1/restaurants/{SAMPLE_RESTAURANT_GUID}",
                             headers=h)).json()
    partners = (await client.get("/partners/v1/restaurants", headers=h)).json()
    group = (await client.get(f"/restaurants/v1/groups/{GROUP_GUID}/restaurants",
                              headers=h)).json()
    login = (await client.post(LOGIN, json=CREDENTIALS)).json()
    assert stock
    assert errors(validator(MENUS, "Metadata"), meta) == []
    assert errors(validator("toast-stock-openapi.yaml", "MenuItemInventory", array=True),
                  stock) == []
    assert errors(validator("toast-restaurants-openapi.yaml", "RestaurantInfo"), info) == []
    assert errors(validator("toast-partners-openapi.yaml", "PartnerAccessExternalRep",
                            array=True), partners) == []
    assert group and errors(validator("toast-restaurants-openapi.yaml", "Restaurant",
                                      array=True), group) == []
    assert errors(validator("toast-authentication-openapi.yaml", "AuthenticationResponse"),
                  login) == []


def _present(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


async def test_error_bodies_are_spec_valid(client: httpx.AsyncClient) -> None:
    """401 bodies match the auth spec's ErrorMessage; stock errors match the stock spec's.

    Toast's documented error shape (docs/toast-api.md, errors and retries) has null
    reserved fields the spec
    types as plain strings, so nulls are dropped before validating.
    """
    auth = _present((await client.post(LOGIN, json={**CREDENTIALS, "clientSecret": "x"})).json())
    stock = _present((await client.get("/stock/v1/inventory")).json())
    assert isinstance(auth["status"], str) and isinstance(stock["status"], int)
    assert errors(validator("toast-authentication-openapi.yaml", "ErrorMessage"), auth) == []
    assert errors(validator("toast-stock-openapi.yaml", "ErrorMessage"), stock) == []
