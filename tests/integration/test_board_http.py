"""/board, /image and / over real sockets: keys, caching, options, images, the landing page."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from app.board.render import item_guids
from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID
from tests.support.procs import RELAY, Procs, free_port
from tests.support.stack import running_stack

KEY = "board-http-key-0123456789"
pytestmark = pytest.mark.integration


def env(sim_url: str, **extra: str) -> dict[str, str]:
    return {"TOAST_API_URL": sim_url, "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
            "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY,
            "RELAY_RESTAURANTS": json.dumps({"harbor": SAMPLE_RESTAURANT_GUID}), **extra}


@pytest.fixture(scope="module")
def relays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A relay allowed to fetch the simulator's loopback images, and one with the default."""
    tmp = tmp_path_factory.mktemp("board-http")
    data = tmp / "data"
    with running_stack(tmp, relays=0, local_images=True, env_for=env) as stack:
        _, allowed_url = stack.start_relay(RELAY_IMAGE_ALLOW_PRIVATE="true",
                                           RELAY_DATA_DIR=str(data))
        _, default_url = stack.start_relay()
        yield allowed_url, default_url, data


def get(url: str, path: str, key: str | None = KEY, headers: dict[str, str] | None = None,
        **params: str) -> httpx.Response:
    if key:
        params["key"] = key
    return httpx.get(f"{url}{path}", params=params, headers=headers, timeout=30)


def rows(url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get(url, "/menu/harbor").json()["items"]
    return items


def test_board_needs_a_key_and_accepts_it_in_the_query(relays: tuple[str, str, Path]) -> None:
    """Same key rules as /menu: 401 without, ?key= works (players cannot set headers)."""
    url, _, _ = relays
    assert get(url, "/board/harbor", key=None).status_code == 401
    r = get(url, "/board/harbor")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "Harbor Lights Kitchen" in r.text and KEY not in r.text


def test_board_is_cached_with_etag_and_304(relays: tuple[str, str, Path]) -> None:
    """The page and its content fragment carry ETags; a matching If-None-Match is 304."""
    url, _, _ = relays
    cases: list[dict[str, Any]] = [{}, {"part": "content"}, {"theme": "light", "group": "B"}]
    for params in cases:
        first = get(url, "/board/harbor", **params)
        again = get(url, "/board/harbor", headers={"If-None-Match": first.headers["etag"]},
                    **params)
        assert first.status_code == 200 and again.status_code == 304 and not again.content
    content = get(url, "/board/harbor", part="content").text
    assert content.startswith('<div id="content"') and "<html" not in content


def test_board_filters_match_the_menu(relays: tuple[str, str, Path]) -> None:
    """The board shows exactly the rows /menu gives for the same filters."""
    url, _, _ = relays
    params: dict[str, Any] = {"group": "Burgers", "hide_out_of_stock": "true"}
    expected = [r["guid"] for r in get(url, "/menu/harbor", **params).json()["items"]]
    page = get(url, "/board/harbor", **params).text
    assert item_guids(page) == expected and expected


@pytest.mark.parametrize(("params", "name"), [
    ({"theme": "neon"}, "theme"), ({"accent": "red;x"}, "accent"),
    ({"css": "https://cdn.example/x.css"}, "css"), ({"part": "all"}, "part"),
    ({"preview": "square"}, "preview"), ({"available": "later"}, "available"),
])
def test_bad_board_options_are_one_line_400s(relays: tuple[str, str, Path],
                                             params: dict[str, Any], name: str) -> None:
    """A bad option answers 400 with a JSON error naming it."""
    url, _, _ = relays
    r = get(url, "/board/harbor", **params)
    assert r.status_code == 400 and name in r.json()["detail"]


def test_portrait_preview_frames_the_board(relays: tuple[str, str, Path]) -> None:
    """preview=portrait frames the same board URL (without preview) at 9:16."""
    url, _, _ = relays
    r = get(url, "/board/harbor", preview="portrait", theme="light")
    assert r.status_code == 200 and "56.25vh" in r.text
    assert f'<iframe src="?theme=light&amp;key={KEY}"' in r.text


def test_images_are_served_resized_and_cached(relays: tuple[str, str, Path]) -> None:
    """/image fetches once, resizes to the size class, sends ETag and long cache headers,
    and keeps the result in RELAY_DATA_DIR."""
    url, _, data = relays
    item = next(r for r in rows(url) if r["image"])
    assert item["imageUrl"] == f"/image/{SAMPLE_RESTAURANT_GUID}/{item['guid']}"
    r = get(url, item["imageUrl"], size="s")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert "immutable" in r.headers["cache-control"]
    with Image.open(io.BytesIO(r.content)) as im:
        assert max(im.size) == 160
    again = get(url, item["imageUrl"], size="s", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert len(list((data / "images").glob("*.jpg"))) >= 3
    csv_text = get(url, "/menu/harbor", format="csv").text
    assert csv_text.splitlines()[0].endswith(",imageUrl") and item["imageUrl"] in csv_text


def test_image_errors(relays: tuple[str, str, Path]) -> None:
    """No image, unknown item, bad size: clear errors; no key: 401."""
    url, _, _ = relays
    plain = next(r for r in rows(url) if not r["image"])
    assert get(url, f"/image/harbor/{plain['guid']}").status_code == 404
    assert get(url, "/image/harbor/no-such-item").status_code == 404
    assert get(url, f"/image/harbor/{plain['guid']}", size="xl").status_code == 400
    assert get(url, f"/image/harbor/{plain['guid']}", key=None).status_code == 401


def test_loopback_images_are_refused_by_default(relays: tuple[str, str, Path]) -> None:
    """Without RELAY_IMAGE_ALLOW_PRIVATE the relay will not fetch from 127.0.0.1."""
    _, url, _ = relays
    item = next(r for r in rows(url) if r["image"])
    r = get(url, item["imageUrl"])
    assert r.status_code == 404 and "loopback" in r.json()["detail"]


def test_landing_page_never_shows_keys(relays: tuple[str, str, Path]) -> None:
    """GET / says what this is, links health and docs, and shows no key or restaurant."""
    url, _, _ = relays
    r = httpx.get(f"{url}/", timeout=30)
    assert r.status_code == 200 and "toast-relay" in r.text
    assert 'href="/healthz"' in r.text and 'href="/docs"' in r.text
    assert KEY not in r.text and "?key=demo" not in r.text and SAMPLE_RESTAURANT_GUID not in r.text


def test_demo_prints_board_urls_and_links_them(tmp_path: Path) -> None:
    """`toast-relay demo` prints board URLs; its landing page links boards, JSON and CSV."""
    port, sim_port = free_port(), free_port()
    with Procs(tmp_path) as procs:
        demo = procs.start([RELAY, "demo", "--port", str(port), "--sim-port", str(sim_port)],
                           {}, "demo.log")
        out = demo.wait_output("try a price change", timeout=60)
        for label in ("board:", "portrait:", "lunch only"):
            assert label in out
        assert f"http://127.0.0.1:{port}/board/harbor?key=" in out
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30).text
        for link in ("/board/harbor?key=", "/menu/harbor?key=",
                     "/menu/harbor?format=csv&amp;key=", "/board/maple?key="):
            assert link in page
