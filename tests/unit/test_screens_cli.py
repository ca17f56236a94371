"""``toast-relay screens``: definitions from JSON or TOML files, applied through the admin API."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import httpx
import pytest

from app.errors import ConfigError
from app.screens_cli import load_definitions, run


def test_toml_and_json_files_give_the_same_definitions(tmp_path: Path) -> None:
    """A TOML ``[screens.drinks]`` table and a JSON object by name read the same."""
    toml = tmp_path / "screens.toml"
    toml.write_text('[screens.drinks]\nrestaurant = "harbor"\ngroups = ["Cocktails"]\n'
                    '[screens.drinks.layout]\ntheme = "light"\n')
    as_json = tmp_path / "screens.json"
    as_json.write_text(json.dumps({"drinks": {"restaurant": "harbor", "groups": ["Cocktails"],
                                              "layout": {"theme": "light"}}}))
    assert load_definitions(toml) == load_definitions(as_json)


def test_a_file_that_is_not_a_mapping_is_one_clear_error(tmp_path: Path) -> None:
    """A list instead of name → definition is a configuration error naming the file."""
    bad = tmp_path / "screens.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="must map each screen name"):
        load_definitions(bad)


def test_apply_puts_each_screen_with_the_admin_key(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``apply`` PUTs every definition in the file with X-API-Key and prints the versions."""
    seen: list[tuple[str, str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("x-api-key")))
        return httpx.Response(200, json={"version": 4, "missing": {"groups": ["Tacos"]}})

    file = tmp_path / "s.json"
    file.write_text(json.dumps({"drinks": {"groups": ["Tacos"]}}))
    monkeypatch.setenv("RELAY_ADMIN_KEY", "admin-key-0123456789abcdef")
    out = io.StringIO()
    args = argparse.Namespace(url="http://relay", action="apply", target=str(file))
    assert run(args, out, httpx.MockTransport(answer)) == 0
    assert seen == [("PUT", "/admin/screens/drinks", "admin-key-0123456789abcdef")]
    assert out.getvalue() == 'drinks\tv4 (missing: {"groups": ["Tacos"]})\n'
