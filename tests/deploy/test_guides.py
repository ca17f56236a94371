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
