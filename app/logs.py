"""Logging: JSON lines (default) or text, with screen keys redacted everywhere.

Every record passes through ``redact`` on its way out, so a key that reached a
message by accident (a URL with ``?key=``, a header dump) still never lands in
a log file. Tokens and the client secret are never handed to a logger at all.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

_KEY_IN_QUERY = re.compile(r"(?i)((?:^|[?&\s\"'])key=)[^&\s\"']+")
_KEY_HEADER = re.compile(r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
REDACTED = "***"

_STD_ATTRS = set(vars(logging.makeLogRecord({}))) | {
    "message", "asctime", "taskName", "color_message"}


def redact(text: str) -> str:
    """Hide screen keys (``key=``, ``X-API-Key``) and bearer tokens in ``text``."""
    if "key" not in text.lower() and "bearer" not in text.lower():
        return text
    text = _KEY_IN_QUERY.sub(rf"\1{REDACTED}", text)
    text = _KEY_HEADER.sub(rf"\1{REDACTED}", text)
    return _BEARER.sub(rf"\1{REDACTED}", text)


ACCOUNT: ContextVar[str | None] = ContextVar("toast_relay_account", default=None)
"""The account whose work is running (a task started under ``account_context`` keeps it)."""


@contextmanager
def account_context(name: str) -> Iterator[None]:
    """Name ``name`` as the account in every log line written inside (and in the lines
    of the tasks started inside: asyncio copies the context into each new task)."""
    token = ACCOUNT.set(name)
    try:
        yield
    finally:
        ACCOUNT.reset(token)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    found = {k: v for k, v in vars(record).items()
             if k not in _STD_ATTRS and not k.startswith("_")}
    account = ACCOUNT.get()
    if account is not None and "account" not in found:
        found["account"] = account
    return found


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        line = orjson.dumps(entry, default=str).decode()
        return redact(line)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{ts} {record.levelname.lower():7} {record.name}: {record.getMessage()}"
        if extras:
            line += f" | {extras}"
        if record.exc_info and record.exc_info[0] is not None:
            line += f" | exc={record.exc_info[0].__name__}: {record.exc_info[1]}"
        return redact(line)


def configure_logging(fmt: str = "json", level: int = logging.INFO) -> None:
    """Send every ``toast_relay`` and uvicorn record to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our own access log replaces uvicorn's (it redacts keys and adds cache/restaurant).
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs full request URLs at INFO; they carry no secret, but they are noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class AccessLogWriter:
    """Writes access lines in the log format, batched.

    Going through ``logging`` cost about a third of a cached request's CPU time,
    and one write per request another tenth. A request only appends its fields
    (one tuple); the lines are built (one ``orjson.dumps`` each) and written
    together at most every ``FLUSH_EVERY`` seconds: at once after a quiet spell,
    batched under load.
    """

    FLUSH_EVERY = 0.05

    def __init__(self, fmt: str = "json", stream: TextIO | None = None) -> None:
        self._json = fmt == "json"
        self._stream = stream
        self._entries: list[tuple[Any, ...]] = []
        self._scheduled = False
        self._last_flush = 0.0
        self._second = -1
        self._second_stamp = ""
        self._milli = -1
        self._stamp = ""

    def _ts(self, now: float) -> str:
        """The line's timestamp, rebuilt only when the millisecond (JSON) or second changes."""
        milli = int(now * 1000) if self._json else int(now) * 1000
        if milli == self._milli:
            return self._stamp
        self._milli = milli
        second, part = divmod(milli, 1000)
        if second != self._second:
            self._second = second
            fmt = "%Y-%m-%dT%H:%M:%S" if self._json else "%Y-%m-%dT%H:%M:%SZ"
            self._second_stamp = datetime.fromtimestamp(second, UTC).strftime(fmt)
        self._stamp = (f"{self._second_stamp}.{part:03d}+00:00" if self._json
                       else self._second_stamp)
        return self._stamp

    def emit(self, request_id: bytes, method: str | None, route: str, status: int,
             seconds: float, cache: str | None, restaurant: str | None,
             client: str | None, account: str | None = None) -> None:
        """Queue one request's line: it took ``seconds``, answered ``status``; ``account``:
        the restaurant's account (the line names it only when the request named one)."""
        self._entries.append((time.time(), request_id, method, route, status, seconds, cache,
                              restaurant, client, account))
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._scheduled = True
        delay = self._last_flush + self.FLUSH_EVERY - time.monotonic()
        if delay <= 0:
            loop.call_soon(self.flush)
        else:
            loop.call_later(delay, self.flush)

    def _line(self, at: float, request_id: bytes, method: str | None, route: str, status: int,
              seconds: float, cache: str | None, restaurant: str | None,
              client: str | None, account: str | None) -> str:
        fields: dict[str, object] = {
            "requestId": request_id.decode(), "method": method, "route": route,
            "status": status, "durationMs": round(seconds * 1000, 2), "cache": cache,
            "restaurant": restaurant}
        if account is not None:
            fields["account"] = account
        fields["client"] = client
        if self._json:
            return orjson.dumps({"ts": self._ts(at), "level": "info",
                                 "logger": "toast_relay.access", "msg": "request",
                                 **fields}).decode()
        extras = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        return f"{self._ts(at)} info    toast_relay.access: request | {extras}"

    def flush(self) -> None:
        self._scheduled = False
        self._last_flush = time.monotonic()
        if not self._entries:
            return
        entries, self._entries = self._entries, []
        stream = self._stream or sys.stderr
        stream.write("\n".join([self._line(*e) for e in entries]) + "\n")
        stream.flush()
