"""deploy/nginx/toast-relay.conf: valid for nginx, and it proxies the way docs/deployment.md says.

A real nginx runs in the foreground on free 127.0.0.1 ports in front of a tiny
stand-in upstream that echoes what it received (the relay's own behaviour is
tested elsewhere; here only the proxy's is).
"""

from __future__ import annotations

import gzip
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

from tests.support.dns_stub import DnsStub
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
from tests.support.waits import wait_for

TEXT_SHAPES = {
    "csv": "text/csv; charset=utf-8", "xml": "application/xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8", "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8", "txt": "text/plain; charset=utf-8",
}
"""First path segment → the type the stand-in upstream answers with (padded text)."""
RELEASE_SECOND_EVENT = threading.Event()
HELD_UNTIL_TIMEOUT: list[bool] = []


class _Echo(BaseHTTPRequestHandler):
    """Answers every GET with the request's path and headers, padded past gzip_min_length.

    ``/events/...`` instead streams one event, then a second one only once the test
    has seen the first (or after 10 s), like the relay's server-sent events.
    """

    def _stream_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'event: update\ndata: {"n": 1}\n\n')
        self.wfile.flush()
        HELD_UNTIL_TIMEOUT.append(not RELEASE_SECOND_EVENT.wait(10))
        self.wfile.write(b'event: update\ndata: {"n": 2}\n\n')
        self.wfile.flush()

    def do_GET(self) -> None:
        if self.path.startswith("/events/"):
            self._stream_events()
            return
        body = json.dumps({
            "path": self.path,
            "upstream": self.connection.getsockname()[0],
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "padding": "menu " * 500,
        }).encode()
        media_type = "application/json"
        shape = self.path.split("/")[1]
        if shape in TEXT_SHAPES:
            media_type = TEXT_SHAPES[shape]
            body = b"name,price\n" + b"Burger,4.25\n" * 200
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


ROOT = Path(__file__).resolve().parents[2]


class Proxy:
    def __init__(self, prefix: Path, http_port: int, https_port: int, cert: Path) -> None:
        self.prefix, self.http_port, self.https_port = prefix, http_port, https_port
        self.tls = ssl.create_default_context(cafile=str(cert))

    def client(self) -> httpx.Client:
        return httpx.Client(verify=self.tls, timeout=10)


@contextmanager
def _proxy(tmp_path: Path, upstream: str, example: Path = EXAMPLE) -> Iterator[Proxy]:
    nginx = require_binary("nginx")
    cert, key = self_signed_cert(tmp_path)
    http_port, https_port = free_port(), free_port()
    conf = write_config(tmp_path, http_port=http_port, https_port=https_port,
                        upstream=upstream, cert=cert, key=key, example=example)
    with run_nginx(nginx, conf, tmp_path, ports=(http_port, https_port)):
        yield Proxy(tmp_path, http_port, https_port, cert)


@pytest.fixture
def proxy(tmp_path: Path, upstream: str) -> Iterator[Proxy]:
    with _proxy(tmp_path, upstream) as running:
        yield running


@pytest.fixture
def rooted(tmp_path: Path, upstream: str) -> Iterator[Proxy]:
    """nginx with the example's RELAY_ROOT_PATH blocks switched on for /toast."""
    example = tmp_path / "rooted.conf"
    example.write_text(uncomment_root_path(EXAMPLE.read_text(), "/toast"))
    with _proxy(tmp_path, upstream, example) as running:
        yield running


@pytest.fixture
def microcached(tmp_path: Path, upstream: str) -> Iterator[Proxy]:
    """nginx with the example's micro-cache and RELAY_ROOT_PATH blocks switched on."""
    example = tmp_path / "microcached.conf"
    example.write_text(uncomment_root_path(enable_microcache(EXAMPLE.read_text(),
                                                             tmp_path / "cache")))
    with _proxy(tmp_path, upstream, example) as running:
        yield running


def test_example_passes_nginx_t(tmp_path: Path) -> None:
    """`nginx -t` accepts the example once ports, upstream and certificates are local."""
    nginx = require_binary("nginx")
    cert, key = self_signed_cert(tmp_path)
    conf = write_config(tmp_path, http_port=free_port(), https_port=free_port(),
                        upstream="127.0.0.1:9", cert=cert, key=key)
    result = subprocess.run(nginx_command(nginx, conf, tmp_path, "-t"),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_t_rejects_a_broken_config(tmp_path: Path) -> None:
    """The `nginx -t` check can fail: a missing brace in the example is reported."""
    nginx = require_binary("nginx")
    cert, key = self_signed_cert(tmp_path)
    broken = tmp_path / "broken.conf"
    broken.write_text(EXAMPLE.read_text().replace("keepalive 16;\n}", "keepalive 16;\n", 1))
    conf = write_config(tmp_path, http_port=free_port(), https_port=free_port(),
                        upstream="127.0.0.1:9", cert=cert, key=key, example=broken)
    result = subprocess.run(nginx_command(nginx, conf, tmp_path, "-t"),
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0


def test_http_redirects_to_https(proxy: Proxy) -> None:
    """Plain HTTP answers 301 to the same path on HTTPS."""
    with proxy.client() as client:
        r = client.get(f"http://127.0.0.1:{proxy.http_port}/menu/downtown?format=csv")
    assert r.status_code == 301
    assert r.headers["location"] == (
        f"https://127.0.0.1:{proxy.https_port}/menu/downtown?format=csv"
    )


def test_nginx_does_not_announce_its_version(proxy: Proxy) -> None:
    """Answers (nginx's own redirect and error pages, and proxied ones) say "nginx" only."""
    with proxy.client() as client:
        answers = [client.get(f"http://127.0.0.1:{proxy.http_port}/menu/x"),
                   client.get(f"https://127.0.0.1:{proxy.https_port}/metrics",
                              headers={"X-Real-IP": "203.0.113.9"}),
                   client.get(f"https://127.0.0.1:{proxy.https_port}/menu/x")]
    for r in answers:
        assert r.headers["server"] == "nginx", r.url
        assert not re.search(r"nginx/\d", r.text), r.url


def test_forwarded_headers_reach_the_relay(proxy: Proxy) -> None:
    """The relay sees the original host, scheme and client address in X-Forwarded-*."""
    with proxy.client() as client:
        r = client.get(f"https://127.0.0.1:{proxy.https_port}/menu/downtown?key=k")
    assert r.status_code == 200
    seen = r.json()
    assert seen["path"] == "/menu/downtown?key=k"
    headers = seen["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-host"] == "127.0.0.1"
    assert headers["host"] == "127.0.0.1"


@pytest.mark.parametrize(("path", "media_type"), [
    ("/menu/x", "application/json"),
    *((f"/{shape}/x", media.split(";")[0]) for shape, media in TEXT_SHAPES.items()),
])
def test_every_text_shape_is_gzipped(proxy: Proxy, path: str, media_type: str) -> None:
    """Menu JSON, CSV, XML, RSS, CSS, scripts and plain text leave nginx gzip-compressed when
    the client accepts gzip."""
    url = f"https://127.0.0.1:{proxy.https_port}{path}"
    with proxy.client() as client, client.stream(
        "GET", url, headers={"Accept-Encoding": "gzip"}
    ) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-type"].startswith(media_type)
    assert r.headers.get("content-encoding") == "gzip"
    assert len(gzip.decompress(raw)) > len(raw)


def test_keys_in_query_strings_stay_out_of_the_access_log(proxy: Proxy) -> None:
    """A ?key= on the URL is not written to nginx's access log."""
    with proxy.client() as client:
        r = client.get(f"https://127.0.0.1:{proxy.https_port}/menu/downtown",
                       params={"key": "screen-key-that-must-not-be-logged"})
    assert r.status_code == 200
    access_log = proxy.prefix / "access.log"
    # nginx writes the line just after the answer has gone out.
    wait_for(lambda: "/menu/downtown" in access_log.read_text(), 5, "the access log line")
    log = access_log.read_text()
    assert "screen-key-that-must-not-be-logged" not in log


def test_events_pass_through_unbuffered(proxy: Proxy) -> None:
    """An event reaches the client through nginx while the stream is still open."""
    _assert_streamed(proxy, "/events/downtown?key=k")


def test_events_under_a_root_path_pass_through_unbuffered(rooted: Proxy) -> None:
    """With RELAY_ROOT_PATH=/toast, /toast/events/... is streamed unbuffered too."""
    _assert_streamed(rooted, "/toast/events/downtown?key=k")


@pytest.mark.parametrize("path", ["/events/downtown?key=k", "/toast/events/downtown?key=k"])
def test_events_pass_through_unbuffered_with_the_microcache_on(microcached: Proxy,
                                                               path: str) -> None:
    """With the micro-cache on, events (also under /toast) still reach the client while the
    stream is open, and the stream is never cached."""
    _assert_streamed(microcached, path)


def test_root_path_is_stripped_before_the_relay(rooted: Proxy) -> None:
    """/toast/menu/x?key=k reaches the relay as /menu/x?key=k; unprefixed paths still work."""
    with rooted.client() as client:
        prefixed = client.get(f"https://127.0.0.1:{rooted.https_port}/toast/menu/x?key=k")
        plain = client.get(f"https://127.0.0.1:{rooted.https_port}/menu/x")
    assert prefixed.json()["path"] == "/menu/x?key=k"
    assert plain.json()["path"] == "/menu/x"


def test_acme_challenge_is_served_over_http_not_redirected(proxy: Proxy) -> None:
    """Let's Encrypt's HTTP-01 file is answered on port 80 from the webroot; every other
    plain-HTTP path still redirects."""
    challenge = proxy.prefix / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "tok3n").write_text("tok3n.thumbprint")
    with proxy.client() as client:
        r = client.get(f"http://127.0.0.1:{proxy.http_port}/.well-known/acme-challenge/tok3n")
        other = client.get(f"http://127.0.0.1:{proxy.http_port}/.well-known/other")
    assert r.status_code == 200 and r.text == "tok3n.thumbprint"
    assert other.status_code == 301


def test_gzip_types_cover_every_text_type_the_relay_sends() -> None:
    """gzip_types lists every text media type in app/ except the board's HTML (always on)
    and text/event-stream (streamed); no image type is listed."""
    source = " ".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    sent = set(re.findall(r'"((?:text|application)/[a-z0-9.+-]+)', source))
    found = re.search(r"gzip_types\s+([^;]+);", EXAMPLE.read_text())
    assert found is not None
    listed = set(found[1].split())
    assert sent - {"text/html", "text/event-stream"} <= listed, sent - listed
    assert "text/event-stream" not in listed and not any(t.startswith("image/") for t in listed)


def test_compose_site_looks_the_relay_up_again(tmp_path: Path) -> None:
    """Rendered for compose, the site resolves the relay's name through the resolver at
    request time: when the name moves to another address (a recreated container), requests
    follow without restarting nginx."""
    first = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    port = first.server_address[1]
    second = ThreadingHTTPServer(("127.0.0.2", port), _Echo)
    servers = [first, second]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    dns = DnsStub("relay.test", "127.0.0.1")
    site = compose_site(tmp_path)
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in site
    site = site.replace("resolver 127.0.0.11 valid=10s",
                        f"resolver 127.0.0.1:{dns.port} valid=1s")
    site = site.replace("set $relay_upstream relay:8080;",
                        f"set $relay_upstream relay.test:{port};")
    example = tmp_path / "compose.conf"
    example.write_text(site)
    try:
        with dns.running(), _proxy(tmp_path, "127.0.0.1:9", example) as proxy, \
                proxy.client() as client:
            url = f"https://127.0.0.1:{proxy.https_port}/menu/x"
            assert client.get(url).json()["upstream"] == "127.0.0.1"
            dns.address = "127.0.0.2"
            # valid=1s: within a couple of seconds
            wait_for(lambda: client.get(url).json()["upstream"] == "127.0.0.2", 10,
                     "nginx to use the new address")
            assert dns.queries >= 2
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _assert_streamed(proxy: Proxy, path: str) -> None:
    RELEASE_SECOND_EVENT.clear()
    HELD_UNTIL_TIMEOUT.clear()
    url = f"https://127.0.0.1:{proxy.https_port}{path}"
    try:
        with proxy.client() as client, client.stream("GET", url, timeout=30) as r:
            lines = r.iter_lines()
            assert r.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in r.headers
            assert "x-cache-status" not in r.headers
            assert next(lines) == "event: update"
            # The upstream holds the second event until now: had nginx buffered the
            # stream, the first one could not have arrived yet.
            assert next(lines) == 'data: {"n": 1}'
            RELEASE_SECOND_EVENT.set()
            assert [next(lines) for _ in range(3)] == ["", "event: update", 'data: {"n": 2}']
        assert HELD_UNTIL_TIMEOUT == [False], "nginx held the first event back"
    finally:
        RELEASE_SECOND_EVENT.set()
