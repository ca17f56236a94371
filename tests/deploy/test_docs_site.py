"""The docs site: mkdocs.yml builds docs/ with --strict (no broken link or anchor), offline.

mkdocs and mkdocs-material come with the dev extra; without them the build test skips,
except under CI=true, where `python3 tasks.py test` has installed them from uv.lock.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _nav_pages(node: object) -> list[str]:
    """Every page path the nav names, depth first."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def _config() -> dict[str, object]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert isinstance(config, dict)
    return config


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    """`mkdocs build --strict` builds the site with no warning (links, anchors, nav)."""
    if importlib.util.find_spec("mkdocs") is None or \
            importlib.util.find_spec("material") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mkdocs or mkdocs-material is missing; the dev extra installs them")
        pytest.skip("mkdocs or mkdocs-material is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "integrations" / "index.html").is_file()


def test_site_fetches_nothing_at_build_or_view_time() -> None:
    """The theme is Material with Google fonts off and only the bundled search plugin."""
    config = _config()
    theme = config["theme"]
    assert isinstance(theme, dict)
    assert theme["name"] == "material" and theme["font"] is False
    assert config["docs_dir"] == "docs"
    assert config.get("plugins") == ["search"]


def test_every_page_is_in_the_nav() -> None:
    """Every Markdown file under docs/ is in the nav, once (no orphan page)."""
    nav = _nav_pages(_config()["nav"])
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages


def test_docs_link_nothing_outside_docs() -> None:
    """No page links a file outside docs/ (the site would 404): such files are named by
    their repository path in code instead."""
    link = re.compile(r"\]\((?!https?://|mailto:|#)([^)\s]+)\)")
    for page in DOCS.rglob("*.md"):
        for target in link.findall(page.read_text()):
            resolved = (page.parent / target.split("#", 1)[0]).resolve()
            assert resolved.is_relative_to(DOCS.resolve()), (page.name, target)



def test_readme_is_short_and_links_every_page() -> None:
    """README.md says what the relay is for, gives the two commands, and links every page
    of the site (each link resolving to a file under docs/); the manual lives in docs/."""
    readme = (ROOT / "README.md").read_text()
    assert "python3 tasks.py demo" in readme and "python3 tasks.py test" in readme
    assert ".venv/bin/mkdocs serve" in readme
    linked = set(re.findall(r"\]\(docs/([^)#]+\.md)\)", readme))
    assert all((DOCS / page).is_file() for page in linked), linked
    assert linked == set(_nav_pages(_config()["nav"]))
    assert len(readme.splitlines()) < 80
