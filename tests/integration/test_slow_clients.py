"""Slow and stalled clients: cut by nginx (the deploy example) and bounded in the relay.

Behind deploy/nginx/toast-relay.conf (its timeouts shortened to 2 s so the test is
quick), a few hundred sockets that connect and say nothing, send half their headers
or half a body, or idle after a request, are all closed, while screens polling at the
same time keep getting their full menu. The relay's own limits (uvicorn's
concurrency cap and keep-alive) come from settings.
"""

from __future__ import annotations

import re
import selectors
import socket
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.nginx import run_nginx, self_signed_cert, write_config
from tests.support.procs import free_port, require_binary
from tests.support.relay_env import KEY
from tests.support.stack import running_stack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
CUT_WITHIN = 40.0  # generous for a loaded machine; nginx's defaults would hold them 60 s


def shorten_timeouts(conf: Path) -> None:
    """The example's client timeouts, cut to 2 s (each must be in the example)."""
    text = conf.read_text()
    for name in ("client_header_timeout", "client_body_timeout", "keepalive_timeout"):
        text, count = re.subn(rf"({name}\s+)\d+s;", r"\g<1>2s;", text)
        assert count, f"deploy/nginx/toast-relay.conf sets no {name}"
    conf.write_text(text)


def hostile(http_port: int, https_port: int, ctx: ssl.SSLContext) -> list[socket.socket]:
    """Sockets a slow or hostile client leaves open, each in a different stage."""
    out: list[socket.socket] = []
    for _ in range(100):  # connect and say nothing (not even a TLS hello)
        out.append(socket.create_connection(("127.0.0.1", https_port)))
    for _ in range(100):  # half the headers, plain HTTP
        s = socket.create_connection(("127.0.0.1", http_port))
        s.sendall(b"GET /menu/harbor HTTP/1.1\r\nHost: relay\r\nX-Slow: ")
        out.append(s)
    for _ in range(20):  # half the headers, over TLS
        t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_port)),
                            server_hostname="127.0.0.1")
        t.sendall(b"GET /menu/harbor HTTP/1.1\r\nHost: relay\r\n")
        out.append(t)
    for _ in range(10):  # headers done, half a body
        t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_port)),
                            server_hostname="127.0.0.1")
        t.sendall(b"POST /webhooks/toast HTTP/1.1\r\nHost: relay\r\nContent-Type: "
                  b"application/json\r\nContent-Length: 1000\r\n\r\n{\"eventCategory\":")
        out.append(t)
    for _ in range(5):  # one whole request, then idle on keep-alive
        t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_port)),
                            server_hostname="127.0.0.1")
        t.sendall(b"GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n")
        out.append(t)
    return out


def wait_all_closed(socks: list[socket.socket], within: float) -> list[socket.socket]:
    """Read until the server closes each socket; returns those still open at the deadline."""
    sel = selectors.DefaultSelector()
    s: socket.socket
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, data=s)
    still = set(socks)
    deadline = time.monotonic() + within
    while still and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.data
            try:
                if s.recv(65536):
                    continue  # e.g. a 408 or the keep-alive answer; EOF comes next
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except OSError:
                pass  # reset: closed
            sel.unregister(s)
            still.discard(s)
    sel.close()
    return list(still)


def test_nginx_cuts_stalled_connections_while_screens_keep_their_answers(
        tmp_path: Path) -> None:
    """Idle, half-sent and stalled connections through the nginx example are closed in
    seconds, and every screen poll meanwhile gets its full menu."""
    nginx = require_binary("nginx")
    with running_stack(tmp_path) as stack:
        url = stack.url
        socks: list[socket.socket] = []
        try:
            expected = httpx.get(f"{url}/menu/harbor", params={"key": KEY}, timeout=30).json()
            cert, key = self_signed_cert(tmp_path)
            http_port, https_port = free_port(), free_port()
            conf = write_config(tmp_path, http_port=http_port, https_port=https_port,
                                upstream=url.removeprefix("http://"), cert=cert, key=key,
                                worker_connections=1024)
            shorten_timeouts(conf)
            ctx = ssl.create_default_context(cafile=str(cert))
            with run_nginx(nginx, conf, tmp_path, ports=(http_port, https_port)):
                answers: list[tuple[int, int]] = []
                stop = threading.Event()

                def screen() -> None:
                    with httpx.Client(verify=ctx, timeout=30) as client:
                        while not stop.is_set():
                            r = client.get(f"https://127.0.0.1:{https_port}/menu/harbor",
                                           params={"key": KEY})
                            items = r.json().get("items", []) if r.status_code == 200 else []
                            answers.append((r.status_code, len(items)))
                            time.sleep(0.1)  # paces each screen's polling

                screens = [threading.Thread(target=screen) for _ in range(4)]
                for t in screens:
                    t.start()
                try:
                    socks = hostile(http_port, https_port, ctx)
                    left_open = wait_all_closed(socks, CUT_WITHIN)
                finally:
                    stop.set()
                    for t in screens:
                        t.join(60)
            assert not left_open, f"{len(left_open)} of {len(socks)} stalled sockets still open"
            assert len(answers) >= 8
            assert all(a == (200, len(expected["items"])) for a in answers), answers
        finally:
            for s in socks:
                s.close()


def test_relay_limits_concurrency_and_keep_alive_from_settings(tmp_path: Path) -> None:
    """Past RELAY_LIMIT_CONCURRENCY requests in progress the relay answers 503 at once, in
    its JSON error body (not uvicorn's plain text), and 200 again when they go; idle
    connections do not count; its keep-alive follows RELAY_KEEPALIVE_TIMEOUT."""
    with running_stack(tmp_path, RELAY_LIMIT_CONCURRENCY="4", RELAY_KEEPALIVE_TIMEOUT="2",
                       RELAY_LOG_FORMAT="json",
                       RELAY_WEBHOOK_SECRET="limit-test-secret") as stack:
        relay, url = stack.relay, stack.url
        port = int(url.rsplit(":", 1)[1])
        idle: list[socket.socket] = []
        held: list[socket.socket] = []
        try:
            out = relay.wait_output('"limitConcurrency":4')
            assert '"keepAliveSeconds":2' in out
            idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
            # Webhook requests whose bodies never come: each is a request in progress.
            for _ in range(6):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"POST /webhooks/toast HTTP/1.1\r\nHost: relay\r\n"
                          b"Content-Length: 100\r\n\r\n")
                held.append(s)
            deadline = time.monotonic() + 20
            status = 0
            while time.monotonic() < deadline and status != 503:
                answer = httpx.get(f"{url}/healthz", timeout=10)
                status = answer.status_code
            assert status == 503
            assert answer.headers["content-type"] == "application/json"
            assert answer.json()["error"] == "overloaded" and answer.json()["detail"]
            for s in held:
                s.close()
            wait_for(lambda: httpx.get(f"{url}/healthz", timeout=10).status_code == 200, 20,
                     "200 again once the held requests are gone", every=0.05)
            # A connection idle after its answer is closed by the relay (keep-alive 2 s).
            kept = socket.create_connection(("127.0.0.1", port))
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n")
            assert not wait_all_closed([kept], CUT_WITHIN)
        finally:
            for s in [*idle, *held]:
                s.close()
