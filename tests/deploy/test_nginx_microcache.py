"""The micro-cache in deploy/nginx/toast-relay.conf, switched on, in a real nginx.

A stand-in upstream numbers every request it receives, so an answer carrying an
earlier number came from nginx's cache; it answers 401 to the key ``bad`` the way
the relay does (no-store). The relay itself behind the cache:
tests/integration/test_behind_nginx.py.
"""

from __future__ import annotations

import itertools
import json
import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.support.nginx import (
    EXAMPLE,
    compose_site,
    enable_microcache,
    free_port,
    nginx_command,
    require_binary,
    run_nginx,
    self_signed_cert,
    uncomment_root_path,
    write_config,
)

ROOT = Path(__file__).resolve().parents[2]
_COUNTER = itertools.count(1)
_LOCK = threading.Lock()


class _Numbered(BaseHTTPRequestHandler):
    """Every answer says which request this was; ``bad`` keys get the relay's 401."""

    def do_GET(self) -> None:
        with _LOCK:
            n = next(_COUNTER)
        path, _, query = self.path.partition("?")
        key = self.headers.get("X-API-Key") or dict(
            p.partition("=")[::2] for p in query.split("&") if p).get("key")
        if key == "bad":
            self._answer(401, {"error": "unknown key"}, {"Cache-Control": "no-store"})
            return
        headers = {"ETag": '"menu-v1"', "Cache-Control": "private, max-age=30"}
        if path.endswith("/no-store"):
            headers["Cache-Control"] = "no-store"
        if path.endswith("/by-origin"):
            headers["Vary"] = "Origin"
        if self.headers.get("If-None-Match") == '"menu-v1"':
            self._answer(304, None, headers)
            return
        self._answer(200, {"n": n, "path": self.path}, headers)

    def _answer(self, status: int, body: object, headers: dict[str, str]) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Numbered)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Cached:
    def __init__(self, https_port: int, cert: Path) -> None:
        self.base = f"https://127.0.0.1:{https_port}"
        self.client = httpx.Client(verify=ssl.create_default_context(cafile=str(cert)),
                                   timeout=10)

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.client.get(self.base + path, headers=headers)


@contextmanager
def _nginx(prefix: Path, upstream: str, site: str) -> Iterator[Cached]:
    nginx = require_binary("nginx")
    prefix.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_cert(prefix)
    example = prefix / "example.conf"
    example.write_text(site)
    http_port, https_port = free_port(), free_port()
    conf = write_config(prefix, http_port=http_port, https_port=https_port, upstream=upstream,
                        cert=cert, key=key, example=example)
    with run_nginx(nginx, conf, prefix, ports=(http_port, https_port)):
        cached = Cached(https_port, cert)
        try:
            yield cached
        finally:
            cached.client.close()


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory, upstream: str) -> Iterator[Cached]:
    """nginx running the example with the micro-cache on and the /toast root path."""
    prefix = tmp_path_factory.mktemp("microcache")
    site = uncomment_root_path(enable_microcache(EXAMPLE.read_text(), prefix / "cache"))
    with _nginx(prefix, upstream, site) as running:
        yield running


def _n(r: httpx.Response) -> int:
    assert r.status_code == 200, r.text
    n: int = r.json()["n"]
    return n


def test_example_with_the_microcache_on_passes_nginx_t(tmp_path: Path) -> None:
    """`nginx -t` accepts the example with the "#mc " marks removed (and without, see
    test_nginx.py)."""
    nginx = require_binary("nginx")
    cert, key = self_signed_cert(tmp_path)
    example = tmp_path / "on.conf"
    example.write_text(enable_microcache(EXAMPLE.read_text(), tmp_path / "cache"))
    conf = write_config(tmp_path, http_port=free_port(), https_port=free_port(),
                        upstream="127.0.0.1:9", cert=cert, key=key, example=example)
    result = subprocess.run(nginx_command(nginx, conf, tmp_path, "-t"),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_shipped_example_does_not_cache(tmp_path: Path, upstream: str) -> None:
    """Off by default: as shipped, every request reaches the relay and none says
    X-Cache-Status."""
    with _nginx(tmp_path, upstream, EXAMPLE.read_text()) as plain:
        first, second = plain.get("/menu/off?key=k"), plain.get("/menu/off?key=k")
    assert _n(second) > _n(first)
    assert "x-cache-status" not in second.headers


def _kept(cached: Cached, path: str, **headers: str) -> bool:
    """Whether nginx answers a repeat of ``path`` from its copy. A copy lives until the
    next whole second is over (1 to 2 s), so a pair straddling its end is tried again."""
    previous = cached.get(path, **headers)
    for _ in range(3):
        again = cached.get(path, **headers)
        if again.headers.get("x-cache-status") == "HIT":
            return _n(again) == _n(previous)
        previous = again
    return False


def test_a_second_request_within_a_second_is_answered_by_nginx(cached: Cached) -> None:
    """The same URL and key again: nginx answers from its copy (HIT, the same bytes), and
    answers If-None-Match with 304 itself."""
    first = cached.get("/menu/hit?key=k")
    assert first.headers["x-cache-status"] == "MISS"
    assert _kept(cached, "/menu/hit?key=k")
    not_modified = cached.get("/menu/hit?key=k", **{"If-None-Match": '"menu-v1"'})
    assert not_modified.status_code == 304
    assert not_modified.headers["x-cache-status"] in ("HIT", "EXPIRED")


@pytest.mark.parametrize("path", ["/menu/r?key=k&format=csv", "/menu/r/groups?key=k",
                                  "/stock/r?key=k", "/board/r?key=k", "/s/front?key=k",
                                  "/s/front/menu?key=k", "/toast/menu/r?key=k"])
def test_every_display_route_is_cached(cached: Cached, path: str) -> None:
    """Menus in every format, stock, boards and stored screens (also under the /toast
    root path) are kept."""
    assert _kept(cached, path)


@pytest.mark.parametrize("path", ["/admin/screens?key=k", "/console/?key=k", "/metrics",
                                  "/webhooks/toast", "/docs", "/healthz", "/readyz",
                                  "/toast/admin/screens?key=k", "/", "/restaurants?key=k",
                                  "/toast/x/menu/r?key=k"])
def test_nothing_else_is_cached(cached: Cached, path: str) -> None:
    """Admin, console, metrics, webhooks, docs, health and the rest always reach the relay,
    although the stand-in marks them cacheable."""
    first, second = cached.get(path), cached.get(path)
    assert _n(second) > _n(first)
    assert "x-cache-status" not in second.headers


def test_a_401_is_never_cached(cached: Cached) -> None:
    """A wrong key after a right one still gets 401 (the key is in the cache key), each 401
    comes from the relay, and a right key after a wrong one gets 200."""
    assert _kept(cached, "/menu/auth?key=good")
    for _ in range(2):
        wrong = cached.get("/menu/auth?key=bad")
        assert wrong.status_code == 401 and "x-cache-status" not in wrong.headers
    assert cached.get("/menu/auth?key=good", **{"X-API-Key": "bad"}).status_code == 401
    assert cached.get("/menu/auth?key=good").status_code == 200
    assert cached.get("/menu/auth", **{"X-API-Key": "good"}).status_code == 200


def test_the_header_key_is_part_of_the_cache_key(cached: Cached) -> None:
    """Two X-API-Key values on one URL get separate copies."""
    a = cached.get("/menu/header", **{"X-API-Key": "a"})
    b = cached.get("/menu/header", **{"X-API-Key": "b"})
    assert _n(b) > _n(a)
    assert cached.get("/menu/header", **{"X-API-Key": "b"}).json()["n"] != _n(a)


def test_no_store_answers_are_not_kept(cached: Cached) -> None:
    """An answer the relay marks no-store reaches nginx's client but is never kept."""
    first, second = cached.get("/menu/no-store?key=k"), cached.get("/menu/no-store?key=k")
    assert _n(second) > _n(first)
    assert second.headers["x-cache-status"] in ("MISS", "EXPIRED")


def test_vary_is_honoured(cached: Cached) -> None:
    """An answer with Vary: Origin is kept once per origin."""
    a = cached.get("/menu/by-origin?key=k", Origin="https://a.example")
    b = cached.get("/menu/by-origin?key=k", Origin="https://b.example")
    assert _n(b) > _n(a)


@pytest.mark.parametrize("asks", [{"Cache-Control": "no-cache"}, {"Pragma": "no-cache"},
                                  {"Cache-Control": "max-age=0"}])
def test_a_client_asking_to_revalidate_reaches_the_relay(cached: Cached,
                                                         asks: dict[str, str]) -> None:
    """Cache-Control: no-cache (what a browser's fetch with cache: 'no-store' sends, so every
    board), Pragma: no-cache or max-age=0 skip the copy; a matching If-None-Match still
    gets 304, and the fresh answer replaces the copy for the others."""
    path = f"/menu/revalidate-{next(_COUNTER)}?key=k"
    old = _n(cached.get(path))
    fresh = cached.get(path, **asks)
    assert fresh.headers["x-cache-status"] == "BYPASS" and _n(fresh) > old
    assert cached.get(path, **asks, **{"If-None-Match": '"menu-v1"'}).status_code == 304
    assert _n(cached.get(path)) > old


def test_compose_switches_the_microcache_on_with_nginx_microcache(tmp_path: Path) -> None:
    """NGINX_MICROCACHE=on removes exactly the "#mc " marks; off (the default) leaves them;
    anything else is refused with a one-line error."""
    off, on = compose_site(tmp_path), compose_site(tmp_path, "on")
    marked = re.compile(r"^( *)#mc ", re.MULTILINE)
    assert marked.search(off) and not marked.search(on)
    assert marked.sub(r"\1", off) == on
    script = ROOT / "deploy" / "compose" / "nginx.sh"
    result = subprocess.run(
        ["/bin/sh", str(script)], capture_output=True, text=True, check=False,
        env={"SRC": str(EXAMPLE), "DST": str(tmp_path / "x.conf"), "RENDER_ONLY": "1",
             "NGINX_MICROCACHE": "yes"})
    assert result.returncode == 2
    assert result.stderr == "NGINX_MICROCACHE must be on or off, not 'yes'\n"
