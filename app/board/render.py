"""The board as HTML: pure functions from rows and options to bytes (Jinja2, autoescaped).

Toast names, descriptions and tags are untrusted text: autoescaping is on for
every template, control characters are dropped from every printed value, and the
only values marked safe are this package's own CSS and script and HTML this
module rendered itself. The page embeds the content
fragment, which is also served alone (``part=content``) so the board's script
can swap it in place.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from app.board.badges import badges, is_highlight, legend
from app.board.layout import next_opening
from app.board.options import CALORIE_STATEMENTS, BoardOptions
from app.board.strip import strip_css, strip_js
from app.board.tails import shared_tails
from app.menu.availability import Window, compile_schedules, is_available, to_local, zone
from app.menu.filters import Filters, filter_indexes
from app.menu.flatten import FlatMenu
from app.menu.money import format_price
from app.menu.rows import Row, Size
from app.menu.text import printable

LOW_STOCK = 5
"""Toast's low-stock threshold: QUANTITY items at or under it show "Only N left"."""

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def guid_table(guids: Sequence[str]) -> str:
    """The items' GUIDs sent once for the whole content (``data-guids``): their 16 bytes
    each, in item order, base64. Empty (each item then carries ``data-guid``) unless every
    GUID is a lowercase UUID as Toast writes them, which is what the script rebuilds."""
    if not guids or not all(_UUID.fullmatch(g) for g in guids):
        return ""
    return base64.b64encode(b"".join(uuid.UUID(g).bytes for g in guids)).decode()


def item_guids(content: str) -> list[str]:
    """The item GUIDs of a board's HTML (page or content), in order, as the script sets
    them in ``data-guid``: from the table when there is one, else from each item."""
    table = re.search(r' data-guids="([^"]*)"', content)
    if table is None:
        return re.findall(r'<div data-guid="([^"]+)"', content)
    raw = base64.b64decode(table[1])
    return [str(uuid.UUID(bytes=raw[i:i + 16])) for i in range(0, len(raw), 16)]


def _shown(value: object) -> object:
    """Every value a template prints, without control characters: autoescaping leaves NUL
    and ESC as they are. Markup is this package's own (already clean) HTML."""
    if isinstance(value, str) and value.__class__ is str and not value.isprintable():
        return printable(value)
    return value


_ENV = Environment(loader=PackageLoader("app.board", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
                   finalize=_shown)
_ENV.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}


def _asset(name: str) -> Markup:
    return Markup(resources.files("app.board").joinpath("templates", name)  # noqa: S704
                  .read_text(encoding="utf-8"))  # our own file, not user input


_CSS_BLOCKS = re.split(r"^/\* for: ([\w ]+) \*/$", str(_asset("board.css")), flags=re.M)


def _css(o: BoardOptions) -> Markup:
    """The stylesheet for ``o``: the common part and the blocks for its template (and
    images); a columns board carries no feature or list rules."""
    return _css_for(o.template, o.images)


@functools.cache
def _css_for(template: str, images: bool) -> Markup:
    parts = [_CSS_BLOCKS[0]]
    for names, block in zip(_CSS_BLOCKS[1::2], _CSS_BLOCKS[2::2], strict=True):
        if template in names.split() or (images and "images" in names.split()):
            parts.append(block)
    return Markup(strip_css("".join(parts)))  # noqa: S704  # our own file, as above


_JS = Markup(strip_js(_asset("board.js")))  # noqa: S704  # the page's CSP hashes this text
PAGE_POLICY = (
    "default-src 'none'; script-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()
    + "'; style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; "
    "worker-src 'self'; "
    "base-uri 'none'; form-action 'none'")
"""The board's Content-Security-Policy: only its own script runs (by hash), it fetches,
streams and shows images from the relay only; styles may be inline (``accent=`` is a
style attribute) or a same-origin ``css=``. No ``frame-ancestors``: signage players'
HTML widgets (Yodeck, OptiSigns, Xibo, a BrightSign page from local storage) frame
the board from their own origins, so framing stays allowed (docs/security.md)."""
SERVICE_WORKER = str(_asset("board-sw.js")).encode()


@dataclass(frozen=True, slots=True)
class BoardMenu:
    name: str
    windows: tuple[Window, ...] | None
    """When the menu is available (restaurant-local); None: always."""
    open: bool
    """Available at render time."""


@dataclass(frozen=True, slots=True)
class BoardInput:
    """What one board shows: the selected rows and what the script needs beside them."""

    name: str
    restaurant_guid: str
    time_zone: str
    currency: str
    rows: Sequence[Row]
    row_menu: Sequence[int]
    menus: Sequence[BoardMenu]
    by_time: bool
    """Not ``available=all``: the script shows only the menus open now (or, with none
    open, the next to open), switching by itself."""
    fetched_at: float
    changed_at: float
    stale: bool = False
    now: float = 0.0
    """When the board is rendered (epoch seconds): picks the next menu when none is open."""


def select(name: str, currency: str, flat: FlatMenu, rows: Sequence[Row], filters: Filters,
           now: datetime, *, fetched_at: float, changed_at: float, stale: bool) -> BoardInput:
    """The rows a board shows for ``filters``.

    The daypart (the board's default, ``available=now``) is not applied here: every
    menu that passes the other filters is rendered with its schedule, and the script
    shows the ones open now, so the board moves from breakfast to lunch on time even
    while the relay is unreachable. ``available=all`` shows every menu.
    """
    others = Filters(filters.menus, filters.groups, filters.tags, filters.hide_out_of_stock)
    keep = filter_indexes(flat, rows, others, now) if not others.is_empty else range(len(rows))
    local = to_local(now, zone(flat.time_zone))
    menus = [BoardMenu(m.name, None if m.availability is None or m.availability.alwaysAvailable
                       or m.availability.schedule is None
                       else compile_schedules(m.availability.schedule),
                       is_available(m.availability, local)) for m in flat.menus]
    return BoardInput(name=name, restaurant_guid=flat.restaurant_guid.lower(),
                      time_zone=flat.time_zone, currency=currency,
                      rows=[rows[i] for i in keep], row_menu=[flat.row_menu[i] for i in keep],
                      menus=menus, by_time=not filters.available_all, fetched_at=fetched_at,
                      changed_at=changed_at, stale=stale, now=now.timestamp())


def sizes_line(sizes: Sequence[Size], currency: str) -> str:
    """``Small $4.25 · Large $5.25`` (a size without a fixed price shows its name only)."""
    return " · ".join(f"{s.name} {format_price(s.price, currency)}" if s.price is not None
                      else s.name for s in sizes)


def _quantity(q: float) -> str:
    return str(int(q)) if q == int(q) else f"{q:g}"


def _item(r: Row, data: BoardInput, o: BoardOptions) -> dict[str, object]:
    sold = r.outOfStock or (r.quantity is not None and r.quantity <= 0)
    low = (f"Only {_quantity(r.quantity)} left" if not sold and r.quantity is not None
           and r.quantity <= LOW_STOCK else "")
    meta: list[tuple[str, str]] = []
    if "calories" in o.show and r.calories is not None:
        meta.append(("cal", str(r.calories)))  # the script adds the unit: cal, or kcal
    if "tags" in o.show:
        meta.extend(badges(r.tags))
    image = ""  # the script makes it ../image/{restaurant}/{item}?v=...
    if (o.images or o.template == "feature") and r.image:
        image = hashlib.sha1(r.image.encode(), usedforsecurity=False).hexdigest()[:12]
    return {"guid": r.guid, "name": r.name, "price": r.priceText, "sold": sold, "low": low,
            "sizes": sizes_line(r.sizes, data.currency) if r.sizes else "",
            "desc": r.description if "description" in o.show else "", "meta": meta,
            "image": image, "pick": is_highlight(r.tags)}


def _sections(data: BoardInput, o: BoardOptions) -> tuple[list[dict[str, object]], list[str]]:
    """The sections with their items, and the closing sentences sent once (``tails``)."""
    several = len(set(data.row_menu)) > 1
    shown = shown_menus(data)
    out: list[dict[str, object]] = []
    current: tuple[int, str] | None = None
    items: list[dict[str, object]] = []
    every: list[dict[str, object]] = []
    for r, m in zip(data.rows, data.row_menu, strict=True):
        if (m, r.groupPath) != current:
            current = (m, r.groupPath)
            items = []
            menu = data.menus[m]
            out.append({"group": r.group, "menu": m, "rows": items,
                        "menu_name": menu.name if several else "",
                        "hidden": m not in shown})
        items.append(_item(r, data, o))
        every.append(items[-1])
    tails, parts = shared_tails([str(i["desc"]) for i in every])
    for i, (head, tail) in zip(every, parts, strict=True):
        i["desc"], i["tail"] = head, tail
    return out, tails


def shown_menus(data: BoardInput) -> set[int]:
    """The menus (indexes) a board starts on: the open ones, else the next to open.

    ``available=all`` shows every menu; a board whose menus never open shows them all
    rather than an empty screen.
    """
    present = set(data.row_menu)
    if not data.by_time:
        return present
    shown = {m for m in present if data.menus[m].open}
    if shown:
        return shown
    local = to_local(datetime.fromtimestamp(data.now, UTC), zone(data.time_zone))
    upcoming = next_opening([data.menus[m].windows if m in present else None
                             for m in range(len(data.menus))], local.replace(tzinfo=None))
    return {upcoming[0]} if upcoming else present


def render_content(data: BoardInput, o: BoardOptions) -> bytes:
    """The swappable part of the board: ``<div id="content">`` with one section per group,
    each item in the compact markup the script grows into the DOM contract (board.js)."""
    windows = names = None
    if data.by_time:
        windows = json.dumps([None if m.windows is None else [list(w) for w in m.windows]
                              for m in data.menus], separators=(",", ":"))
        names = json.dumps([m.name for m in data.menus], separators=(",", ":"))
    legend_json = json.dumps(legend(r.tags for r in data.rows) if "tags" in o.show else [],
                             separators=(",", ":"))
    sections, tails = _sections(data, o)
    guids = guid_table([r.guid for r in data.rows])
    pictures = (o.images or o.template == "feature") and any(r.image for r in data.rows)
    return _ENV.get_template("content.html").render(
        guids=guids, restaurant=data.restaurant_guid if pictures else "",
        version=int(data.changed_at * 1000), fetched=int(data.fetched_at * 1000),
        stale=data.stale, time_zone=data.time_zone, windows=windows, names=names,
        legend=legend_json, sections=sections,
        tails=json.dumps(tails, separators=(",", ":"), ensure_ascii=False) if tails else ""
        ).encode()


def render_page(name: str, o: BoardOptions, content: bytes, content_etag: str, *,
                events_url: str = "") -> bytes:
    """The whole page: styles and script inline (nothing from another origin).

    ``events_url``: the ``/events`` stream to follow, relative to the page, when it is
    not ``../events/`` + the page's last path segment (a stored screen's board)."""
    config = {"etag": content_etag, "refresh": o.refresh, "columns": o.columns,
              "pageSeconds": o.page_seconds, "images": o.images, "drift": o.drift,
              "events": True, "eventsUrl": events_url, "readyForCache": o.ready_for_cache,
              "template": o.template, "logo": o.logo, "kcal": o.calories == "uk"}
    return _ENV.get_template("board.html").render(
        o=o, name=name, css=_css(o), js=_JS, config=config,
        statement=CALORIE_STATEMENTS.get(o.calories, ""),
        content=Markup(content.decode())).encode()  # noqa: S704  # rendered (escaped) above


def render_landing(**values: object) -> str:
    """The landing page (``GET /``)."""
    return _ENV.get_template("landing.html").render(**values)


def render_preview(src: str, *, portrait: bool) -> bytes:
    """A page framing the board at 9:16 (or 16:9), for trying a layout on a desktop."""
    return _ENV.get_template("preview.html").render(src=src, portrait=portrait).encode()
