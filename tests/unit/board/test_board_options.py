"""Board options: defaults, limits and the one-line 400s for bad values."""

from __future__ import annotations

import pytest

from app.board.options import DETAILS, MIN_REFRESH, BoardOptions
from app.errors import BadRequest


def opts(**query: str) -> BoardOptions:
    return BoardOptions.from_query(list(query.items()))


def test_defaults() -> None:
    """No options: 30 s refresh, automatic columns, dark theme, every detail, no images."""
    o = opts()
    assert (o.refresh, o.columns, o.theme, o.images, o.drift, o.show) == (
        30, 0, "dark", False, False, DETAILS)


def test_refresh_below_the_minimum_is_raised() -> None:
    """refresh=1 (or 0) becomes the 2 s minimum rather than hammering the relay."""
    assert opts(refresh="1").refresh == MIN_REFRESH
    assert opts(refresh="45").refresh == 45


@pytest.mark.parametrize(("name", "value"), [
    ("refresh", "soon"), ("columns", "9"), ("page_seconds", "1"), ("theme", "blue"),
    ("images", "maybe"), ("show", "description,price"), ("ready_for_cache", "-1"),
])
def test_bad_values_are_400(name: str, value: str) -> None:
    """A bad option is one BadRequest line that names the option."""
    with pytest.raises(BadRequest, match=name):
        opts(**{name: value})


@pytest.mark.parametrize(("value", "expected"), [
    ("ff6600", "#ff6600"), ("#F60", "#f60"), ("teal", "teal"), ("", "")])
def test_accent_colours(value: str, expected: str) -> None:
    """accent= takes hex with or without # (players mangle #) or a colour name."""
    assert opts(accent=value).accent == expected


@pytest.mark.parametrize("value", ["red;}body{display:none", "url(x)", "#12345", "12px"])
def test_accent_cannot_inject_css(value: str) -> None:
    """Anything but a plain colour is refused, so it can never break out of the style."""
    with pytest.raises(BadRequest, match="accent"):
        opts(accent=value)


@pytest.mark.parametrize("value", [
    "//evil.example/x.css", "https://evil.example/x.css", "javascript:alert(1)",
    "brand.css", "/x.css\"><script>", "\\\\evil\\x.css"])
def test_stylesheet_must_be_same_origin(value: str) -> None:
    """css= accepts only a path on this server: nothing from another origin."""
    with pytest.raises(BadRequest, match="css"):
        opts(css=value)


def test_stylesheet_path_is_kept() -> None:
    """A same-origin path is used as given."""
    assert opts(css="/brand/board.css?v=2").css == "/brand/board.css?v=2"


def test_show_selects_details() -> None:
    """show= picks description, calories and tags; none hides them all."""
    assert opts(show="tags,description").show == ("description", "tags")
    assert opts(show="none").show == ()


def test_filters_and_key_are_not_options() -> None:
    """Menu filters and the key pass through untouched (they are not board options)."""
    assert opts(key="k" * 20, group="Burgers", hide_out_of_stock="true") == BoardOptions()


@pytest.mark.parametrize(("name", "value"), [
    ("template", "grid"), ("calories", "eu"), ("logo", "ftp://x.example/logo.png"),
    ("logo", "/logo.png"), ("logo", "https://"), ("footer", "x" * 201),
])
def test_bad_brand_values_are_400(name: str, value: str) -> None:
    """A bad template, calorie statement, logo URL or over-long footer is a 400 naming it."""
    with pytest.raises(BadRequest, match=name):
        opts(**{name: value})


def test_brand_options_parse() -> None:
    """template, calories, logo and footer (control characters dropped) are kept as given."""
    o = opts(template="feature", calories="uk", logo="https://x.example/l.png",
             footer=" Open late\x1b[0m ")
    assert (o.template, o.calories, o.logo, o.footer) == (
        "feature", "uk", "https://x.example/l.png", "Open late[0m")
    assert opts().template == "columns" and opts().calories == ""
