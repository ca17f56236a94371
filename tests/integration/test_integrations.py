"""Each signage platform's way of reading the relay, against the simulator over real sockets.

One test (or a few) per guide under docs/integrations/: it reads the relay's
output the way that platform documents it, so the guide's claims stay true.
Tests run in file order: the "stable while unchanged" check comes before the
ones that publish changes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import httpx
import pytest

from app.menu.rows import ROW_FIELDS
from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.procs import Proc
from tests.support.relay_env import KEY
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin-key-0123456789abcdef"
SHAPES = [(fmt, ascii_only) for fmt in ("json", "csv", "rows", "xml", "rss", "pairs")
          for ascii_only in (False, True)]


@dataclass
class Stack:
    url: str
    sim_url: str
    relay: Proc
    data: Path

    def get(self, fmt: str = "json", ascii_only: bool = False, **params: str) -> httpx.Response:
        params = {"key": KEY, "format": fmt, **params}
        if ascii_only:
            params["ascii"] = "true"
        return httpx.get(f"{self.url}/menu/harbor", params=params, timeout=30)

    def admin(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers={"X-API-Key": ADMIN}, timeout=30)

    def checked_at(self) -> str:
        status = self.admin("/admin/status").json()
        return str(next(r["checkedAt"] for r in status["restaurants"]
                        if r["restaurant"] == SAMPLE_RESTAURANT_GUID))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("integrations")
    with running_stack(tmp, RELAY_ADMIN_KEY=ADMIN, RELAY_DATA_DIR=str(tmp / "data")) as running:
        yield Stack(running.url, running.sim, running.relay, tmp / "data")


def fingerprint(r: httpx.Response) -> tuple[int, str, str, str]:
    """What a player compares between polls: status, body hash, ETag, Last-Modified."""
    return (r.status_code, hashlib.md5(r.content, usedforsecurity=False).hexdigest(),
            r.headers["etag"], r.headers["last-modified"])


# --- stable while unchanged (all platforms) ---------------------------------------------


def test_every_shape_is_stable_across_checks(stack: Stack) -> None:
    """While Toast's menu and stock are unchanged, every shape's bytes, ETag and
    Last-Modified stay identical across several of the relay's checks of Toast."""
    first = {shape: fingerprint(stack.get(*shape)) for shape in SHAPES}
    assert all(f[0] == 200 for f in first.values())
    assert len({f[2] for f in first.values()}) == len(SHAPES)  # each shape its own ETag
    seen = {stack.checked_at()}
    while len(seen) < 4:  # three more metadata + stock checks (1 s interval)
        wait_for(lambda: stack.checked_at() not in seen, 60, "the next check of Toast")
        seen.add(stack.checked_at())
        for shape in SHAPES:
            assert fingerprint(stack.get(*shape)) == first[shape], shape


# --- Xibo: Remote DataSet ----------------------------------------------------------------


@dataclass
class XiboSync:
    """Xibo's remote DataSet sync as it behaves: HEAD for the size, then always GET; the
    import is skipped while Last-Modified has not moved since the last one."""

    url: str
    params: dict[str, str]
    last_modified: str = ""
    gets: int = 0
    imports: int = 0

    def sync(self) -> bytes | None:
        head = httpx.head(self.url, params=self.params, timeout=30)
        assert head.status_code == 200 and head.content == b""
        got = httpx.get(self.url, params=self.params, timeout=30)
        self.gets += 1
        assert got.headers["etag"] == head.headers["etag"]
        assert got.headers["content-length"] == head.headers["content-length"]
        if got.headers["last-modified"] == self.last_modified:
            return None
        self.last_modified = got.headers["last-modified"]
        self.imports += 1
        return got.content


def test_xibo_json_empty_data_root_fields_by_name(stack: Stack) -> None:
    """format=rows is a top-level array (Xibo's empty data root) whose fields Xibo maps by
    name; a second sync GETs again but imports nothing (Last-Modified did not move)."""
    xibo = XiboSync(f"{stack.url}/menu/harbor", {"key": KEY, "format": "rows"})
    body = xibo.sync()
    assert body is not None
    rows = json.loads(body)
    assert isinstance(rows, list) and len(rows) >= 60
    for row in rows:
        assert {"name", "price", "priceText", "description", "group", "outOfStock"} <= set(row)
    assert xibo.sync() is None and xibo.imports == 1 and xibo.gets == 2


def test_xibo_csv_read_line_by_line(stack: Stack) -> None:
    """Xibo splits the CSV on every newline: each line is one whole record (a description's
    line breaks arrive as spaces), with the header's column count."""
    xibo = XiboSync(f"{stack.url}/menu/harbor", {"key": KEY, "format": "csv"})
    body = xibo.sync()
    assert body is not None
    lines = body.decode("utf-8").split("\n")
    assert lines[-1] == ""
    records = [next(csv.reader([line.rstrip("\r")])) for line in lines[:-1]]
    assert records[0] == list(ROW_FIELDS)
    assert all(len(r) == len(ROW_FIELDS) for r in records)
    assert len(records) - 1 == len(stack.get("rows").json())


def test_xibo_guide_csv_positions_match_the_header(stack: Stack) -> None:
    """The CSV column numbers docs/integrations/xibo.md tells Xibo users to map are the
    positions of those fields in the relay's CSV header, counted from 0 as Xibo counts
    them (Remote Data Path: "numeration starts from 0")."""
    guide = (ROOT / "docs" / "integrations" / "xibo.md").read_text()
    mapped = re.findall(r"^\| [^|]+ \| `(\w+)`[^|]*\| (\d+) \|$", guide, re.MULTILINE)
    assert len(mapped) >= 5
    header = stack.get("csv").text.split("\r\n", 1)[0].split(",")
    for field, position in mapped:
        assert header[int(position)] == field, (field, position)


# --- OptiSigns: API integration ------------------------------------------------------------


def test_optisigns_ascii_json_with_header_key(stack: Stack) -> None:
    """OptiSigns reads JSON with the key in a header; ascii=true leaves no character that
    some designs show blank (Crème Brûlée arrives as Creme Brulee)."""
    r = httpx.get(f"{stack.url}/menu/harbor", params={"ascii": "true"},
                  headers={"X-API-Key": KEY}, timeout=30)
    assert r.status_code == 200 and r.content.isascii()
    names = [row["name"] for row in r.json()["items"]]
    assert "Creme Brulee" in names and "Crème Brûlée" not in names
    assert len(names) == len(stack.get().json()["items"])


# --- RSS tickers (Yodeck, ScreenCloud, Xibo ticker) ----------------------------------------


def test_rss_ticker_reads_name_and_price(stack: Stack) -> None:
    """A ticker reading format=rss gets a valid RSS 2.0 feed, one entry per row titled
    "name - price"; filters narrow it the same way as the JSON."""
    rows = stack.get("rows").json()
    feed = feedparser.parse(stack.get("rss").content)
    assert not feed.bozo and feed.version == "rss20"
    assert feed.feed.title == "Harbor Lights Kitchen"
    assert len(feed.entries) == len(rows)
    first = rows[0]
    assert feed.entries[0].title == f"{first['name']} - {first['priceText']}"
    in_stock = feedparser.parse(stack.get("rss", hide_out_of_stock="true").content)
    assert len(in_stock.entries) == sum(not r["outOfStock"] for r in rows)
    assert not any("(sold out)" in e.title for e in in_stock.entries)


# --- DAKboard-style key/value widgets -------------------------------------------------------


def test_key_value_widget_reads_title_and_value(stack: Stack) -> None:
    """A {title, value} widget gets one pair per row: the name and the price as shown, or
    "Sold out"; filters apply as on every shape."""
    rows = stack.get("rows").json()
    pairs = stack.get("pairs").json()
    assert [p["title"] for p in pairs] == [r["name"] for r in rows]
    assert [p["value"] for p in pairs] == ["Sold out" if r["outOfStock"] else r["priceText"]
                                          for r in rows]
    drinks = stack.get("pairs", group=rows[0]["group"]).json()
    assert 0 < len(drinks) < len(pairs)


# --- any player that shows or polls a URL ----------------------------------------------------


def test_generic_player_key_in_query_and_conditional_get(stack: Stack) -> None:
    """A plain URL with ?key= works; If-None-Match gets 304; Cache-Control names a max-age;
    a wrong key is a JSON 401, not an empty menu."""
    r = stack.get("xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert "max-age=" in r.headers["cache-control"]
    again = httpx.get(r.url, headers={"If-None-Match": r.headers["etag"]}, timeout=30)
    assert again.status_code == 304 and again.content == b""
    bad = httpx.get(f"{stack.url}/menu/harbor", params={"key": "wrong-key-0123456789"},
                    timeout=30)
    assert bad.status_code == 401 and bad.json()["error"]
    assert stack.get("yaml").status_code == 400


# --- what changed, when ----------------------------------------------------------------------


def test_changes_show_a_published_price_and_a_sold_out_item(stack: Stack) -> None:
    """/admin/changes lists the price change and the sold-out item, newest first, with
    local times; a Xibo sync re-imports exactly once per change; the history is on disk."""
    xibo = XiboSync(f"{stack.url}/menu/harbor", {"key": KEY, "format": "rows"})
    xibo.sync()
    rows = stack.get("rows").json()
    item = next(r for r in rows if r["price"] and not r["sizes"] and not r["outOfStock"])
    new_price = round(item["price"] + 1.25, 2)
    httpx.post(f"{stack.sim_url}/_sim/publish/{SAMPLE_RESTAURANT_GUID}",
               json={"itemGuid": item["guid"], "price": new_price}).raise_for_status()
    wait_for(lambda: any(r["guid"] == item["guid"] and r["price"] == new_price
                         for r in stack.get("rows").json()), 60, "the published price")
    body = xibo.sync()
    assert body is not None and xibo.imports == 2 and xibo.sync() is None

    other = next(r for r in rows if not r["outOfStock"] and r["guid"] != item["guid"])
    stock = httpx.get(f"{stack.url}/stock/harbor", params={"key": KEY}, timeout=30).json()
    entries = [{"guid": s["guid"], "status": s["status"], "quantity": s["quantity"]}
               for s in stock["items"]]
    entries.append({"guid": other["guid"], "status": "OUT_OF_STOCK", "quantity": None})
    httpx.post(f"{stack.sim_url}/_sim/stock/{SAMPLE_RESTAURANT_GUID}",
               json=entries).raise_for_status()
    wait_for(lambda: any(r["guid"] == other["guid"] and r["outOfStock"]
                         for r in stack.get("rows").json()), 60, "the sold-out item")

    changes = stack.admin("/admin/changes/harbor")
    assert changes.status_code == 200, changes.text
    data = changes.json()
    assert data["timeZone"] == "America/New_York"
    assert data["current"]["etag"] == stack.get().headers["etag"]
    newest, published = data["versions"][:2]
    assert newest["reason"] == "stock"
    assert [i["guid"] for i in newest["changes"]["soldOut"]] == [other["guid"]]
    assert published["reason"] == "menu"
    (price,) = published["changes"]["priceChanges"]
    assert (price["guid"], price["before"], price["after"]) == (
        item["guid"], item["priceText"], f"${new_price:,.2f}")
    assert published["atLocal"].endswith(("-05:00", "-04:00"))
    assert data["versions"][-1]["reason"] == "first"
    saved = json.loads((stack.data / "history" / f"{SAMPLE_RESTAURANT_GUID}.json").read_text())
    assert len(saved) == len(data["versions"])


def test_changes_need_the_admin_key(stack: Stack) -> None:
    """/admin/changes answers 401 to a screen key and 404 to an unknown alias."""
    assert httpx.get(f"{stack.url}/admin/changes/harbor", headers={"X-API-Key": KEY},
                     timeout=30).status_code == 401
    assert stack.admin("/admin/changes/nowhere").status_code == 404
