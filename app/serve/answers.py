"""What every display answer is: ready bytes, their ETag and their media type.

An ``Answer`` is built once per change (``MenuView``, ``ScreenAnswers``); a request
only picks one and writes its bytes and headers. The ETag of an unfiltered shape is
derived from the JSON's, which covers every input of every shape (``MenuView.shape``);
any other body is hashed (``make_etag``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import msgspec

from app.board.render import PAGE_POLICY
from app.menu.render import make_etag


class Answer(msgspec.Struct, frozen=True, gc=False):
    """A ready body with its validator and the headers that only depend on it.

    Like ``RestaurantInfo`` and the rows, never tracked by the garbage collector:
    they hold no cycles, and a full collection then need not visit every
    restaurant's answers (at 1,000 restaurants each tracked object a restaurant keeps
    adds about a millisecond to every full pass, which runs inside some loop step).
    """

    body: bytes
    etag: str
    media_type: str
    etag_bytes: bytes = b""
    head: tuple[tuple[bytes, bytes], ...] = ()

    @classmethod
    def of(cls, body: bytes, media_type: str, etag: str | None = None,
           policy: tuple[tuple[bytes, bytes], ...] = ()) -> Answer:
        """``policy``: the security headers of a page (the board's); every answer says
        nosniff. Built here, once per answer, so a request adds nothing."""
        etag = etag or make_etag(body)
        return cls(body, etag, media_type, etag.encode(), (
            (b"content-type", media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"), *policy,
        ))


def http_date(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(ts, UTC), usegmt=True)


def etag_matches(header_value: bytes | None, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (then the answer is a 304)."""
    if not header_value:
        return False
    if header_value == etag:
        return True
    if header_value.strip() == b"*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; proxies that gzip add W/.
    return any(t.strip().removeprefix(b"W/") == etag for t in header_value.split(b","))


JSON = "application/json"
CSV = "text/csv; charset=utf-8"
HTML = "text/html; charset=utf-8"
BOARD_POLICY = ((b"content-security-policy", PAGE_POLICY.encode()),
                (b"referrer-policy", b"no-referrer"))
MEDIA_TYPES = {"json": JSON, "csv": CSV, "rows": JSON, "xml": "application/xml; charset=utf-8",
               "rss": "application/rss+xml; charset=utf-8", "pairs": JSON}
FORMATS = tuple(MEDIA_TYPES)
"""What ``?format=`` may name; every one of them also comes folded with ``ascii=true``."""

Shape = tuple[str, bool]
"""A format and whether its text is folded to ASCII."""
