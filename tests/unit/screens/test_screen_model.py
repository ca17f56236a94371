"""A screen definition: defaults, and 422 naming the field's path for anything wrong."""

from __future__ import annotations

import pytest

from app.board.options import CALORIE_STATEMENTS, TEMPLATES
from app.errors import InvalidScreen
from app.screens.model import Layout, Screen, check_name, parse_screen, parse_screen_json

GUID = "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"


def refused(data: object) -> str:
    with pytest.raises(InvalidScreen) as exc:
        parse_screen(data)
    assert exc.value.status_code == 422
    return exc.value.detail


def test_defaults_match_the_product_contract() -> None:
    """Left out: chain-wide, every menu, available now, sold-out marked, one part."""
    screen = parse_screen({})
    assert screen.chain_wide and screen.menus == [] and screen.available == "now"
    assert screen.soldOut == "mark" and screen.parts == 1 and screen.layout == Layout()


@pytest.mark.parametrize(("data", "path"), [
    ({"colour": "red"}, "colour: unknown field"),
    ({"layout": {"font": "x"}}, "layout.font: unknown field"),
    ({"items": [GUID, "nope"]}, "items[1]:"),
    ({"hide": ["1234"]}, "hide[0]:"),
    ({"rename": {"not-a-guid": "x"}}, "rename.not-a-guid:"),
    ({"badges": {GUID: "New"}}, f"badges.{GUID}:"),
    ({"parts": 0}, "parts:"),
    ({"parts": 13}, "parts:"),
    ({"soldOut": "grey"}, "soldOut:"),
    ({"available": "later"}, "available:"),
    ({"layout": {"template": "grid"}}, "layout.template:"),
    ({"layout": {"accent": "not a colour!"}}, "layout.accent: accent must be"),
    ({"layout": {"logo": "ftp://x/y.png"}}, "layout.logo: logo must be"),
    ({"calorieStatement": "eu"}, "calorieStatement:"),
    ({"restaurant": "a b"}, "restaurant:"),
    ([], "definition: must be a JSON object"),
])
def test_bad_fields_are_named_by_path(data: object, path: str) -> None:
    """Each kind of mistake is a 422 whose detail starts with the field's path."""
    assert refused(data).startswith(path)


def test_guids_are_folded_to_lower_case() -> None:
    """GUIDs compare case-insensitively: stored lower-case, as Toast's rows are matched."""
    screen = parse_screen({"items": [GUID.upper()], "rename": {GUID.upper(): "x"}})
    assert screen.items == [GUID] and screen.rename == {GUID: "x"}


def test_a_body_that_is_not_json_is_422() -> None:
    """A PUT body that is not JSON is refused as the definition, not with a traceback."""
    with pytest.raises(InvalidScreen, match="not JSON"):
        parse_screen_json(b"{nope")


@pytest.mark.parametrize("name", ["", "Drinks", "a_b", "x" * 41, "../etc"])
def test_bad_names_are_422(name: str) -> None:
    """A screen name is a slug of 1-40 [a-z0-9-]; anything else is 422 naming ``screen``."""
    with pytest.raises(InvalidScreen, match=r"^screen:"):
        check_name(name)


def test_choices_match_the_board() -> None:
    """The definition's template and calorie choices are exactly the board's."""
    fields = Screen.model_json_schema()["properties"]
    assert set(fields["calorieStatement"]["anyOf"][0]["enum"]) == set(CALORIE_STATEMENTS)
    layout = Layout.model_json_schema()["properties"]["template"]["anyOf"][0]["enum"]
    assert tuple(layout) == TEMPLATES


def test_layout_as_board_options() -> None:
    """The layout becomes board query pairs (booleans as true/false)."""
    assert Layout(theme="light", images=True, columns=3).pairs() == (
        ("theme", "light"), ("columns", "3"), ("images", "true"))


@pytest.mark.parametrize(("data", "path"), [
    ({"parts": "2"}, "parts:"),
    ({"parts": True}, "parts:"),
    ({"parts": 2.5}, "parts:"),
    ({"layout": {"images": "yes"}}, "layout.images:"),
    ({"layout": {"columns": "3"}}, "layout.columns:"),
    ({"title": 5}, "title:"),
    ({"layout": {"accent": "red\n"}}, "layout.accent:"),
    ({"layout": {"logo": "https://user@x.example/l.png"}}, "layout.logo:"),
    ({"restaurant": "deadbeef-0000"}, "restaurant:"),
])
def test_values_of_another_type_or_form_are_refused(data: object, path: str) -> None:
    """As documented: no "2" for a number, no "yes" for a boolean, no trailing newline."""
    assert refused(data).startswith(path)


def test_whole_floats_are_integers_as_in_json_schema() -> None:
    """`parts: 2.0` is the integer 2 (JSON Schema's `integer` takes it too)."""
    screen = parse_screen({"parts": 2.0, "layout": {"columns": 3.0, "accent": ""}})
    assert screen.parts == 2 and screen.layout.columns == 3
