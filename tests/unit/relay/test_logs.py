"""Log lines: JSON by default, keys and bearer tokens redacted."""

from __future__ import annotations

import json
import logging

import pytest

from app.logs import JsonFormatter, TextFormatter, redact


@pytest.mark.parametrize(("raw", "hidden"), [
    ("GET /menu/x?key=abcdef0123456789&format=csv", "abcdef0123456789"),
    ("GET /menu/x?format=csv&KEY=abcdef0123456789", "abcdef0123456789"),
    ('{"x-api-key": "abcdef0123456789"}', "abcdef0123456789"),
    ("X-API-Key: abcdef0123456789", "abcdef0123456789"),
    ("Authorization: Bearer eyJhbGciOi.eyJleHAiOjE.c2ln", "eyJhbGciOi"),
])
def test_redact_hides_keys_and_tokens(raw: str, hidden: str) -> None:
    """Keys in queries or headers and bearer tokens are replaced by ***."""
    assert hidden not in redact(raw)
    assert "***" in redact(raw)


def test_json_formatter_one_object_per_line() -> None:
    """A record becomes one JSON object with its extra fields, redacted."""
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "levelno": 20,
                                    "msg": "GET /menu?key=abcdef0123456789",
                                    "restaurant": "r1"})
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["restaurant"] == "r1" and "abcdef0123456789" not in line


def test_text_formatter_redacts() -> None:
    """The text format redacts the same way."""
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "levelno": 20,
                                    "msg": "url", "path": "/m?key=abcdef0123456789"})
    assert "abcdef0123456789" not in TextFormatter().format(record)
