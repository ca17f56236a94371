"""docs/configuration.md: generated from the Settings model, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.config_doc import main, render

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_configuration_page_is_generated_from_the_settings_model() -> None:
    """docs/configuration.md is exactly what `python -m app.config_doc` writes from Settings
    (run it after changing a setting)."""
    assert (DOCS / "configuration.md").read_text(encoding="utf-8") == render()


def test_configuration_page_lists_every_setting_with_its_default() -> None:
    """Every Settings field is a row under its environment name, with its default."""
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"| `{name.upper()}` |" in page, name
    assert "| `RELAY_STALE_MAX` | duration | `7d` |" in page
    assert "| `RELAY_API_KEYS` | comma list or JSON object | required |" in page


def test_config_doc_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    """`python -m app.config_doc --check` exits 1 when the page differs, 0 once written."""
    page = tmp_path / "configuration.md"
    page.write_text("# out of date\n")
    assert main(["--check", "--out", str(page)]) == 1
    assert main(["--out", str(page)]) == 0
    assert main(["--check", "--out", str(page)]) == 0
