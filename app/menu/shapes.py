"""The other shapes signage players read: a bare JSON array of rows, XML and RSS 2.0.

Pure functions from rows to bytes, run once per change (the views keep the
result). XML and RSS are written with str methods, as the CSV is: a builder
tree costs several times more on a 3,000-item menu and adds nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import format_datetime

import msgspec

from app.menu.render import sizes_text
from app.menu.rows import ROW_FIELDS, Row, Size

_ENCODER = msgspec.json.Encoder()

# XML 1.0 forbids these characters even escaped; Toast text can carry them (pasted
# control characters, a lone surrogate from a bad \u escape).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_rows(rows: Sequence[Row]) -> bytes:
    """``format=rows``: the rows as a top-level JSON array (Xibo's empty data root)."""
    return _ENCODER.encode(rows)


class Pair(msgspec.Struct):
    title: str
    value: str


def render_pairs(rows: Sequence[Row]) -> bytes:
    """``format=pairs``: ``[{"title": name, "value": price}]`` for key/value widgets
    (DAKboard-style); the value is ``Sold out`` for sold-out items."""
    return _ENCODER.encode([Pair(r.name, "Sold out" if r.outOfStock else r.priceText)
                            for r in rows])


def _escape(text: str, forbidden: re.Pattern[str]) -> str:
    if forbidden.search(text):
        text = forbidden.sub("", text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def xml_text(text: str) -> str:
    """``text`` escaped for XML element content and double-quoted attributes."""
    text = _escape(text, _NOT_XML)
    return text.replace('"', "&quot;") if '"' in text else text


def field_text(value: object, currency: str = "USD") -> str:
    """A row field as flat text, as the CSV has it: lists joined, true/false, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if value and isinstance(value[0], Size):
            return sizes_text(value, currency)
        return ", ".join(str(v) for v in value)
    return str(value)


def _attrs(pairs: Mapping[str, str]) -> str:
    return "".join(f' {k}="{xml_text(v)}"' for k, v in pairs.items())


_SEP = "\x01"  # joins a row's cells for one escape pass; XML forbids it, so no cell keeps one
_NOT_XML_BUT_SEP = re.compile("[\x00\x02-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ITEM = "<item>" + "".join(f"<{n}>{{}}</{n}>" for n in ROW_FIELDS) + "</item>\n"


def xml_item(row: Row, currency: str = "USD") -> str:
    """One ``<item>`` with an element per row field, in ``ROW_FIELDS`` order."""
    cells = [v if v.__class__ is str else field_text(v, currency)
             for v in msgspec.structs.astuple(row)]
    joined = _SEP.join(cells)
    if joined.count(_SEP) != len(cells) - 1:  # a cell held the separator itself
        return _ITEM.format(*(xml_text(c) for c in cells))
    # One escape pass over the whole row instead of one per cell: the slow part on a
    # 3,000-item menu was the per-cell calls, not the scanning.
    return _ITEM.format(*_escape(joined, _NOT_XML_BUT_SEP).split(_SEP))


def render_xml(restaurant: Mapping[str, str], last_updated: str, fetched_at: str, stale: bool,
               rows: Sequence[Row], currency: str = "USD") -> bytes:
    """``format=xml``: ``<items restaurant=… name=… …>`` with one ``<item>`` per row.

    Each ``<item>`` has one child element per row field, named and ordered as the
    JSON keys and CSV columns, with the CSV's flat text (sizes and tags joined).
    """
    head = _attrs({"restaurant": restaurant.get("guid", ""), "name": restaurant.get("name", ""),
                   "timeZone": restaurant.get("timeZone", ""), "lastUpdated": last_updated,
                   "fetchedAt": fetched_at, "stale": "true" if stale else "false"})
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<items{head}>\n']
    parts.extend(xml_item(row, currency) for row in rows)
    parts.append("</items>\n")
    return "".join(parts).encode("utf-8")


def rss_date(toast_time: str) -> str | None:
    """Toast's ``2025-02-15T12:30:00.000+0000`` as an RFC 822 date, or None if unreadable."""
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return format_datetime(datetime.strptime(toast_time, pattern))
        except ValueError:
            continue
    return None


def item_title(row: Row) -> str:
    """What a ticker scrolls: ``Drip Coffee - $2.75`` (``(sold out)`` appended when so)."""
    title = f"{row.name} - {row.priceText}" if row.priceText else row.name
    return f"{title} (sold out)" if row.outOfStock else title


def render_rss(restaurant: Mapping[str, str], last_updated: str, rows: Sequence[Row],
               currency: str = "USD") -> bytes:
    """``format=rss``: an RSS 2.0 channel with one ``<item>`` per row.

    Item title: name and price; description: the description, then the sizes;
    category: the group; guid: the item's GUID (``#2``, ``#3``… for its later
    occurrences, so each entry's id is unique and stable). The channel link is a
    ``urn:uuid:`` of the restaurant: the relay does not know its public address,
    and a link to a keyed URL would leak the key into readers' logs.
    """
    guid = restaurant.get("guid", "")
    name = restaurant.get("name", "") or guid
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n',
             f"<title>{xml_text(name)}</title>\n<link>urn:uuid:{xml_text(guid)}</link>\n",
             f"<description>Menu of {xml_text(name)}</description>\n"]
    built = rss_date(last_updated)
    if built:
        parts.append(f"<lastBuildDate>{built}</lastBuildDate>\n")
    seen: dict[str, int] = {}
    for row in rows:
        n = seen[row.guid] = seen.get(row.guid, 0) + 1
        item_id = row.guid if n == 1 else f"{row.guid}#{n}"
        about = " ".join(p for p in (row.description, sizes_text(row.sizes, currency)) if p)
        parts.append(
            f"<item><title>{xml_text(item_title(row))}</title>"
            f"<description>{xml_text(about)}</description>"
            f"<category>{xml_text(row.group)}</category>"
            f'<guid isPermaLink="false">{xml_text(item_id)}</guid></item>\n')
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")
