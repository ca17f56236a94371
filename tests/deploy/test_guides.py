"""docs/integrations/: every platform has a guide, linked from the README, naming real tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "integrations"
PLATFORMS = ["optisigns", "xibo", "yodeck", "screencloud", "raspberry-pi-kiosk", "any-player"]
TEST_SOURCE = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_guide_is_linked_from_the_readme_and_the_index(name: str) -> None:
    """README.md and docs/integrations/README.md both link the platform's guide."""
    assert f"docs/integrations/{name}.md" in (ROOT / "README.md").read_text()
    assert f"({name}.md)" in (GUIDES / "README.md").read_text()


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_guide_says_url_key_refresh_and_traps(name: str) -> None:
    """Each guide gives the URL to paste, where the key goes, the refresh, traps, and tests."""
    text = (GUIDES / f"{name}.md").read_text()
    assert "https://relay.example.com/" in text
    assert "key=<screen key>" in text
    assert re.search(r"refresh|reload", text, re.IGNORECASE)
    assert "## Traps" in text and "## Pinned by" in text


@pytest.mark.parametrize("name", PLATFORMS)
def test_every_test_a_guide_cites_exists(name: str) -> None:
    """The tests a guide says pin its claims exist (renaming one breaks this, not the guide)."""
    cited = set(re.findall(r"\b(test_\w+)\b(?![.\w])", (GUIDES / f"{name}.md").read_text()))
    assert cited
    missing = {c for c in cited if f"def {c}(" not in TEST_SOURCE}
    assert not missing, missing


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_guide_shows_the_board_it_will_put_on_screen(name: str) -> None:
    """Each guide embeds a board screenshot that exists under docs/ (made by
    `python3 tasks.py screenshots`)."""
    text = (GUIDES / f"{name}.md").read_text()
    shots = re.findall(r"!\[[^\]]+\]\(\.\./(board-[a-z]+-[a-z]+\.png)\)", text)
    assert shots
    assert all((ROOT / "docs" / shot).is_file() for shot in shots), shots


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_guide_keeps_a_board_to_the_dayparts_open_now(name: str) -> None:
    """Each guide points players at a stored screen (/s/<screen>) and names
    available=now, so no screen shows every daypart at once."""
    text = (GUIDES / f"{name}.md").read_text()
    assert "https://relay.example.com/s/" in text
    assert "available=now" in text and "every daypart" in text


def test_optisigns_guide_gives_the_board_route_beside_the_data_route() -> None:
    """OptiSigns: numbered steps for the Website app on a board URL, and the JSON data
    source on /menu or a screen's rows."""
    text = (GUIDES / "optisigns.md").read_text()
    assert "## The board: Website app" in text and "## The data: API / JSON" in text
    assert "1. In OptiSigns add a **Website** app." in text
    assert "/s/lunch/menu?" in text and "/menu/downtown?available=now" in text


def test_xibo_guide_says_head_then_get_and_last_modified() -> None:
    """Xibo: a HEAD for the size, then always a GET; imports skipped by Last-Modified."""
    text = (GUIDES / "xibo.md").read_text()
    assert "**HEAD** to learn the answer's size, then **always\n  GETs**" in text
    assert "skips the *import* when `Last-Modified` has not moved" in text


def test_yodeck_guide_explains_ready_for_cache() -> None:
    """Yodeck: ready_for_cache is off for a live board and says what the board sets."""
    text = (GUIDES / "yodeck.md").read_text()
    assert "`&ready_for_cache=N`" in text
    assert '{"ready_for_cache": true, "valid_for": N}' in text


def test_kiosk_guide_covers_cloning_portrait_pointer_and_certificates() -> None:
    """The Pi kiosk guide has a section each on cloning, portrait, the pointer and
    certificates."""
    text = (GUIDES / "raspberry-pi-kiosk.md").read_text()
    for heading in ("## Several screens: cloning one Pi", "## Portrait screens",
                    "## The mouse pointer", "## Certificates"):
        assert heading in text


def test_xibo_guide_names_the_refresh_and_truncate_options() -> None:
    """Xibo: the Refresh drop-down's options as the CMS form names them, Constantly chosen."""
    text = (GUIDES / "xibo.md").read_text()
    assert ("*Constantly, Hourly, Daily, Weekly, Every two Weeks, Monthly, Quaterly, "
            "Yearly*") in text
    assert "| Advanced → Refresh | **Constantly**" in text
    assert "| Advanced → Truncate DataSet | **Always**" in text


def test_xibo_guide_says_how_a_json_boolean_is_stored() -> None:
    """Xibo: a JSON boolean in a String column is stored as 1 or empty; the condition uses 1."""
    text = (GUIDES / "xibo.md").read_text()
    assert ("a sold-out item stores **`1`** and an item in stock stores an\n"
            "  **empty value**") in text
    assert "`SoldOut` equals `1`" in text


def test_xibo_guide_counts_csv_columns_from_zero() -> None:
    """Xibo: a CSV Remote Data Path is a column number counted from 0."""
    text = (GUIDES / "xibo.md").read_text()
    assert "**counted from 0**" in text and "| Menu | `menu` | 0 |" in text


def test_kiosk_guide_gives_the_pointer_steps() -> None:
    """Pi kiosk: unclutter on X11, labwc's HideCursor action on Wayland."""
    text = (GUIDES / "raspberry-pi-kiosk.md").read_text()
    assert "sudo apt install unclutter" in text and "@unclutter -idle 1" in text
    assert '<action name="HideCursor"/>' in text


def test_yodeck_guide_says_what_ready_for_cache_means() -> None:
    """Yodeck: ready_for_cache asks the player for a snapshot, shown as a still image."""
    text = (GUIDES / "yodeck.md").read_text()
    assert "captures a **snapshot**" in text
    assert "A snapshot is a still image: it cannot update itself." in text


@pytest.mark.parametrize("name", ["xibo", "yodeck", "raspberry-pi-kiosk"])
def test_guides_with_platform_facts_name_their_sources(name: str) -> None:
    """Guides stating a platform's own behaviour end with a Sources line."""
    text = (GUIDES / f"{name}.md").read_text()
    assert "\nSources: " in text and "https://" in text.split("\nSources: ", 1)[1]
