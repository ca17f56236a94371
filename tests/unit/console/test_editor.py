"""The editor's pure parts: a posted form as a definition, positions, errors by field."""

from __future__ import annotations

from app.console.editor import definition, form_field, validate

A = "11111111-1111-4111-8111-111111111111"
B = "22222222-2222-4222-8222-222222222222"


def test_ticked_groups_follow_the_typed_positions() -> None:
    """Ticked groups are ordered by the number beside each; blank ones follow in menu order."""
    form = {"groups": ["Tea", "Coffee", "Juice"], "pos:groups:Juice": ["1"],
            "pos:groups:Tea": [""], "pos:groups:Coffee": [""]}
    data = definition(form, [], ["Coffee", "Tea", "Juice"], [])
    assert data["groups"] == ["Juice", "Coffee", "Tea"]


def test_per_item_fields_become_maps() -> None:
    """rename:/describe:/badges: fields fill the maps; blanks are left out; badges split."""
    form = {"rename:" + A: ["Flat White"], "rename:" + B: [" "],
            "badges:" + A: ["New, Chef's pick ,"], "hide": [B]}
    data = definition(form, [], [], [A, B])
    assert data["rename"] == {A: "Flat White"}
    assert data["badges"] == {A: ["New", "Chef's pick"]}
    assert data["hide"] == [B]


def test_a_valid_form_is_a_screen() -> None:
    """A complete form validates into the Screen the API would store."""
    form = {"restaurant": ["harbor"], "groups": ["Coffee"], "available": ["all"],
            "layout.theme": ["light"], "parts": ["2"], "calorieStatement": ["us"]}
    screen, errors = validate(definition(form, [], ["Coffee"], []))
    assert errors == {} and screen is not None
    assert screen.parts == 2 and screen.layout.theme == "light"


def test_every_bad_field_is_named_for_its_input() -> None:
    """Each problem is keyed by the form field it belongs beside, all at once."""
    form = {"parts": ["99"], "layout.accent": ["zz"], "rename:" + A: ["x" * 300]}
    _, errors = validate(definition(form, [], [], [A]))
    assert set(errors) == {"parts", "layout.accent", "rename:" + A}


def test_form_field_of_nested_locations() -> None:
    """Error locations map to the inputs' names."""
    assert form_field(("layout", "accent")) == "layout.accent"
    assert form_field(("badges", A, 0)) == "badges:" + A
    assert form_field(("items", 3)) == "items"
