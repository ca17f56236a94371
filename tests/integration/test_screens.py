"""The relay and the simulator as real processes on 127.0.0.1: what a screen gets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.sim.sample import (
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
)
from tests.support.procs import Proc
from tests.support.relay_env import KEY, SCOPED_KEY, relay_env
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Proc]]:
    tmp = tmp_path_factory.mktemp("screens")
    with running_stack(tmp) as stack:
        sim_url, relay, url = stack.sim, stack.relay, stack.url
        yield url, sim_url, relay


def get(url: str, path: str, key: str | None = KEY, **params: str) -> httpx.Response:
    if key:
        params["key"] = key
    return httpx.get(f"{url}{path}", params=params, timeout=30)


def test_sample_restaurant_rows(stack: tuple[str, str, Proc]) -> None:
    """The sample restaurant flattens to display-ready rows with PRODUCT.md's fields."""
    url, _, _ = stack
    r = get(url, "/menu/harbor")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["restaurant"]["guid"] == SAMPLE_RESTAURANT_GUID
    assert body["restaurant"]["timeZone"] == "America/New_York"
    assert body["stale"] is False and body["lastUpdated"] and body["fetchedAt"]
    rows = body["items"]
    assert len(rows) >= 60
    fields = {"menu", "group", "groupPath", "name", "guid", "description", "image", "price",
              "priceText", "sizes", "tags", "calories", "outOfStock", "quantity", "alcohol",
              "modifiers"}
    assert all(fields <= set(row) for row in rows)
    assert any(not row["name"].isascii() for row in rows)
    sized = [row for row in rows if row["sizes"]]
    assert sized and all(row["price"] == min(s["price"] for s in row["sizes"]) for row in sized)
    assert any(row["price"] is None and row["priceText"] == "" for row in rows)
    assert any(row["outOfStock"] for row in rows)
    assert any(row["quantity"] is not None for row in rows)
    assert any(" > " in row["groupPath"] for row in rows)
    assert r.headers["x-cache"] in {"HIT", "MISS"}
    assert r.headers["etag"] and r.headers["last-modified"] and r.headers["cache-control"]


def test_csv_equals_json(stack: tuple[str, str, Proc]) -> None:
    """?format=csv carries the same rows, in the same order, as the JSON answer."""
    url, _, _ = stack
    rows = get(url, "/menu/harbor").json()["items"]
    r = get(url, "/menu/harbor", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    assert [t["guid"] for t in table] == [row["guid"] for row in rows]
    assert [t["name"] for t in table] == [row["name"] for row in rows]
    assert [t["priceText"] for t in table] == [row["priceText"] for row in rows]


def test_filters(stack: tuple[str, str, Proc]) -> None:
    """menu=, group=, tag= and hide_out_of_stock= each narrow the rows as named."""
    url, _, _ = stack
    rows = get(url, "/menu/harbor").json()["items"]
    a_menu = rows[0]["menu"]
    only = get(url, "/menu/harbor", menu=a_menu.upper()).json()["items"]
    assert only and all(r["menu"] == a_menu for r in only) and len(only) < len(rows)
    group = rows[-1]["group"]
    by_group = get(url, "/menu/harbor", group=group.lower()).json()["items"]
    assert by_group and all(group in r["groupPath"].split(" > ") for r in by_group)
    tag = next(t for r in rows for t in r["tags"])
    tagged = get(url, "/menu/harbor", tag=tag).json()["items"]
    assert tagged and all(tag in r["tags"] for r in tagged)
    in_stock = get(url, "/menu/harbor", hide_out_of_stock="true").json()["items"]
    assert len(in_stock) == len(rows) - sum(r["outOfStock"] for r in rows)
    now = get(url, "/menu/harbor", available="now")
    assert now.status_code == 200 and len(now.json()["items"]) <= len(rows)
    assert get(url, "/menu/harbor", available="later").status_code == 400


def test_errors(stack: tuple[str, str, Proc]) -> None:
    """Missing/unknown key 401, wrong scope 403, bad GUID 400, unknown alias 404."""
    url, _, _ = stack
    assert get(url, "/menu/harbor", key=None).status_code == 401
    assert get(url, "/menu/harbor", key="x" * 20).status_code == 401
    assert get(url, "/menu/harbor", key=SCOPED_KEY).status_code == 403
    assert get(url, "/menu/maple", key=SCOPED_KEY).status_code == 200
    bad = get(url, "/menu/c0dd7491-not-a-guid")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
    assert get(url, "/menu/nowhere").status_code == 404
    locked = get(url, "/menu/locked")
    assert locked.status_code == 404 and "detail" in locked.json()


def test_not_modified(stack: tuple[str, str, Proc]) -> None:
    """A matching If-None-Match gets 304 with the same ETag and no body."""
    url, _, _ = stack
    first = get(url, "/menu/harbor")
    again = httpx.get(f"{url}/menu/harbor", params={"key": KEY},
                      headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_groups_stock_restaurants(stack: tuple[str, str, Proc]) -> None:
    """/groups nests menus and groups, /stock lists sold-out items, /restaurants names them."""
    url, _, _ = stack
    groups = get(url, "/menu/harbor/groups")
    assert groups.status_code == 200 and groups.json()
    stock = get(url, "/stock/harbor")
    assert stock.status_code == 200 and stock.json()
    listed = get(url, "/restaurants").json()["restaurants"]
    assert {r["guid"] for r in listed} >= {SAMPLE_RESTAURANT_GUID, SECOND_RESTAURANT_GUID}
    scoped = get(url, "/restaurants", key=SCOPED_KEY).json()["restaurants"]
    assert [r["guid"] for r in scoped] == [SECOND_RESTAURANT_GUID]


def test_second_restaurant_currency(stack: tuple[str, str, Proc]) -> None:
    """The CAD restaurant's prices are formatted in its own currency."""
    url, _, _ = stack
    rows = get(url, "/menu/maple").json()["items"]
    priced = [r for r in rows if r["price"] is not None]
    assert priced and all(r["priceText"] for r in priced)


def test_logs_hold_no_key_or_secret(stack: tuple[str, str, Proc]) -> None:
    """The relay's log lines name requests but never the screen key or the client secret."""
    url, _, relay = stack
    get(url, "/menu/harbor")
    last = httpx.get(f"{url}/menu/harbor", headers={"X-API-Key": KEY})
    out = relay.wait_output(last.headers["x-request-id"])
    assert '"route":"/menu/{restaurant}"' in out
    assert KEY not in out and SCOPED_KEY not in out
    assert SAMPLE_CLIENT_SECRET not in out
    assert "Traceback" not in out


def test_bad_configuration_is_one_line(tmp_path: Path) -> None:
    """A bad setting stops `serve` with one line naming the variable, no traceback."""
    import subprocess

    from tests.support.procs import RELAY

    env = relay_env("http://127.0.0.1:9", RELAY_API_KEYS="short")
    r = subprocess.run([RELAY, "serve", "--port", "9"], env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "RELAY_API_KEYS" in lines[0] and "Traceback" not in r.stderr
