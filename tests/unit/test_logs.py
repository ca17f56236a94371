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


async def test_access_writer_batches_per_loop_turn() -> None:
    """Access lines queued in one loop turn are written together, right after that turn."""
    import asyncio
    import io

    from app.logs import AccessLogWriter

    out = io.StringIO()
    writer = AccessLogWriter("json", out)
    writer.emit(b"a1", "GET", "/menu/{restaurant}", 200, 0.0012, "HIT", None, "127.0.0.1")
    writer.emit(b"a2", "GET", "/menu/{restaurant}", 304, 0.0004, "HIT", None, "127.0.0.1")
    assert out.getvalue() == ""
    await asyncio.sleep(0)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [x["requestId"] for x in lines] == ["a1", "a2"]
    assert lines[0]["logger"] == "toast_relay.access" and lines[0]["ts"].endswith("+00:00")
    assert lines[0]["durationMs"] == 1.2 and lines[1]["status"] == 304


def test_access_writer_text_format() -> None:
    """The text format writes at once outside an event loop, one readable line per request."""
    import io

    from app.logs import AccessLogWriter

    out = io.StringIO()
    AccessLogWriter("text", out).emit(b"b1", "GET", "/healthz", 200, 0.0005, None, None, None)
    assert ("toast_relay.access: request | requestId=b1 method=GET route=/healthz status=200 "
            "durationMs=0.5") in out.getvalue()


def test_access_line_names_the_account_only_when_a_restaurant_was_named() -> None:
    """A request naming a restaurant has ``account`` in its line (JSON and text); one naming
    none has no ``account`` field at all."""
    import io

    from app.logs import AccessLogWriter

    out = io.StringIO()
    writer = AccessLogWriter("json", out)
    writer.emit(b"c1", "GET", "/menu/{restaurant}", 200, 0.001, "HIT", "g-1", None, "agency")
    writer.emit(b"c2", "GET", "/healthz", 200, 0.001, None, None, None)
    writer.flush()
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["account"] == "agency" and first["restaurant"] == "g-1"
    assert "account" not in second
    text = io.StringIO()
    AccessLogWriter("text", text).emit(b"c3", "GET", "/menu/{restaurant}", 200, 0.001, None,
                                       "g-1", None, "agency")
    assert "restaurant=g-1 account=agency" in text.getvalue()
