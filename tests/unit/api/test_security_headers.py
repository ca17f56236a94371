"""Security headers: nosniff and no referrer everywhere, a CSP fitting each page, framing
refused except for the board (players' widgets frame it)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from tests.support.in_process_relay import ADMIN, KEY

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def policy(r: httpx.Response) -> dict[str, str]:
    """The Content-Security-Policy as directive → sources."""
    out = {}
    for part in r.headers["content-security-policy"].split(";"):
        name, _, sources = part.strip().partition(" ")
        out[name] = sources
    return out


def inline_hashes(body: bytes) -> set[str]:
    return {"'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'"
            for s in _INLINE_SCRIPT.findall(body)}


def assert_common(r: httpx.Response) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("query", ["", "&part=content", "&theme=light&images=true"])
async def test_board_runs_only_its_own_script_and_may_be_framed(
        relay: httpx.AsyncClient, query: str) -> None:
    """The board's CSP allows its own inline script (by hash) and the relay only, and has
    no frame-ancestors: signage players' HTML widgets frame it from their own origins."""
    r = await relay.get(f"/board/harbor?key={KEY}{query}")
    assert r.status_code == 200
    assert_common(r)
    csp = policy(r)
    assert csp["default-src"] == "'none'"
    assert set(csp["script-src"].split()) >= inline_hashes(r.content)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["connect-src"] == "'self'" and csp["img-src"] == "'self'"
    assert "frame-ancestors" not in csp and "x-frame-options" not in r.headers


async def test_docs_allow_their_own_scripts_and_refuse_framing(relay: httpx.AsyncClient) -> None:
    """/docs runs its own bundle and inline script (by hash) only, and may not be framed."""
    r = await relay.get("/docs")
    assert_common(r)
    csp = policy(r)
    hashes = inline_hashes(r.content)
    assert hashes and set(csp["script-src"].split()) == {"'self'", *hashes}
    assert csp["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(("path", "key", "status"), [
    ("/admin/status", ADMIN, 200), ("/admin/status", None, 401), ("/metrics", None, 200),
    ("/openapi.json", None, 200), ("/restaurants", KEY, 200), ("/", None, 200),
    ("/menu/harbor", None, 401), ("/menu/harbor", KEY + "x", 401), ("/nope", None, 404),
    ("/menu/decaf-cafe", KEY, 404), ("/healthz", None, 200),
])
async def test_other_answers_load_nothing_and_are_never_framed(
        relay: httpx.AsyncClient, path: str, key: str | None, status: int) -> None:
    """Admin, metrics, the landing page and every error answer say nosniff and no referrer,
    and a CSP that refuses framing (and, but for the landing page's styles, everything)."""
    r = await relay.get(path, params={"key": key} if key else None)
    assert r.status_code == status
    assert_common(r)
    csp = policy(r)
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert "script-src" not in csp
    assert r.headers["x-frame-options"] == "DENY"


async def test_admin_refresh_on_the_fast_lane_is_locked_too(relay: httpx.AsyncClient) -> None:
    """POST /admin/refresh (a raw fast-lane route) says the same as the other admin routes."""
    r = await relay.post("/admin/refresh/harbor", params={"key": ADMIN})
    assert r.status_code == 200
    assert_common(r)
    assert policy(r)["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"


async def test_screen_answers_are_not_sniffed(relay: httpx.AsyncClient) -> None:
    """Menu answers in every shape, and the board preview, say nosniff."""
    for fmt in ("json", "csv", "xml", "rss"):
        r = await relay.get("/menu/harbor", params={"key": KEY, "format": fmt})
        assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff", fmt
    preview = await relay.get("/board/harbor", params={"key": KEY, "preview": "portrait"})
    assert_common(preview)
    csp = policy(preview)
    assert csp["frame-src"] == "'self'" and "script-src" not in csp
