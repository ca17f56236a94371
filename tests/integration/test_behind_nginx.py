"""End to end through a real nginx running deploy/nginx/toast-relay.conf."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.nginx import (
    EXAMPLE,
    enable_microcache,
    run_nginx,
    self_signed_cert,
    write_config,
)
from tests.support.procs import free_port, require_binary
from tests.support.relay_env import KEY
from tests.support.sample_menu import a_priced_item
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration
SCREEN_IP = "127.0.0.2"  # the "screen" connects from here; nginx itself from 127.0.0.1


def test_menu_through_nginx_logs_forwarded_client_ip(tmp_path: Path) -> None:
    """Through nginx over TLS: the menu arrives intact and gzipped; the screen's IP is logged."""
    nginx = require_binary("nginx")
    require_binary("openssl")
    with running_stack(tmp_path, RELAY_TRUSTED_PROXIES="127.0.0.1") as stack:
        relay, url = stack.relay, stack.url
        direct = httpx.get(f"{url}/menu/harbor", params={"key": KEY}).json()
        cert, key = self_signed_cert(tmp_path)
        http_port, https_port = free_port(), free_port()
        conf = write_config(tmp_path, http_port=http_port, https_port=https_port,
                            upstream=url.removeprefix("http://"), cert=cert, key=key)
        with run_nginx(nginx, conf, tmp_path, ports=(http_port, https_port)):
            transport = httpx.HTTPTransport(local_address=SCREEN_IP, verify=False)
            with httpx.Client(transport=transport, timeout=30) as client:
                r = client.get(f"https://127.0.0.1:{https_port}/menu/harbor",
                               params={"key": KEY}, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200
        assert r.headers.get("content-encoding") == "gzip"
        assert r.json()["items"] == direct["items"]
        request_id = r.headers["x-request-id"]
        out = relay.wait_output(request_id)
        access = [json.loads(line) for line in out.splitlines() if request_id in line]
        assert access[0]["client"] == SCREEN_IP
        assert access[0]["route"] == "/menu/{restaurant}"


REVOKED = "screen-key-to-be-revoked-0123"


@contextmanager
def microcached_nginx(tmp_path: Path, relay_url: str) -> Iterator[str]:
    """nginx running the example with its micro-cache on in front of ``relay_url``."""
    nginx = require_binary("nginx")
    cert, key = self_signed_cert(tmp_path)
    example = tmp_path / "microcached.conf"
    example.write_text(enable_microcache(EXAMPLE.read_text(), tmp_path / "cache"))
    http_port, https_port = free_port(), free_port()
    conf = write_config(tmp_path, http_port=http_port, https_port=https_port,
                        upstream=relay_url.removeprefix("http://"), cert=cert, key=key,
                        example=example)
    with run_nginx(nginx, conf, tmp_path, ports=(http_port, https_port)):
        yield f"https://127.0.0.1:{https_port}"


def kept(client: httpx.Client, url: str, **headers: str) -> httpx.Response:
    """The answer nginx gives from its copy of ``url`` (a copy lives 1 to 2 s: a pair of
    requests straddling its end is tried again)."""
    for _ in range(3):
        client.get(url, headers=headers)
        again = client.get(url, headers=headers)
        if again.headers.get("x-cache-status") == "HIT":
            return again
    raise AssertionError(f"nginx never answered {url} from its copy")


def test_microcache_never_keeps_a_401(tmp_path: Path) -> None:
    """Through the micro-cache: a repeat is answered by nginx, a wrong key after a right one
    still gets the relay's 401, and a right key after a wrong one gets 200."""
    with running_stack(tmp_path) as stack:
        url = stack.url
        with microcached_nginx(tmp_path, url) as base, \
                httpx.Client(verify=False, timeout=30) as client:  # noqa: S501 - loopback
            menu_url = f"{base}/menu/harbor"
            hit = kept(client, f"{menu_url}?key={KEY}")
            assert hit.json()["items"]
            wrong = [client.get(f"{menu_url}?key=not-{KEY}"),
                     client.get(menu_url, headers={"X-API-Key": f"not-{KEY}"}),
                     client.get(f"{menu_url}?key={KEY}", headers={"X-API-Key": f"not-{KEY}"})]
            assert [r.status_code for r in wrong] == [401, 401, 401]
            assert client.get(f"{menu_url}?key={KEY}").status_code == 200
            assert client.get(menu_url, headers={"X-API-Key": KEY}).status_code == 200


def test_a_key_revoked_in_the_relay_is_refused_within_seconds(tmp_path: Path) -> None:
    """A key dropped from RELAY_API_KEYS (relay restarted without it) is refused through the
    micro-cache as soon as nginx's copy (at most ~2 s old) expires; the other key works."""
    with running_stack(tmp_path, relays=0) as stack:
        keys = {KEY: "*", REVOKED: "*"}
        port = free_port()
        relay, url = stack.start_relay(port=port, RELAY_API_KEYS=json.dumps(keys))
        with microcached_nginx(tmp_path, url) as base, \
                httpx.Client(verify=False, timeout=30) as client:  # noqa: S501 - loopback
            revoked_url = f"{base}/menu/harbor?key={REVOKED}"
            kept(client, revoked_url)
            relay.stop()
            stack.start_relay(port=port, RELAY_API_KEYS=json.dumps({KEY: "*"}))
            up = time.monotonic()
            while (status := client.get(revoked_url).status_code) != 401:
                assert status == 200
                assert time.monotonic() - up < 10, "the revoked key was still served"
                time.sleep(0.02)
            assert client.get(f"{base}/menu/harbor?key={KEY}").status_code == 200


def test_events_and_push_freshness_through_the_microcache(tmp_path: Path) -> None:
    """With the micro-cache on, /events streams through nginx (a change arrives while the
    stream stays open) and a fetch that revalidates, as the board's does, gets the
    announced ETag at once although nginx holds the previous answer."""
    with running_stack(tmp_path) as stack:
        sim_url, url = stack.sim, stack.url
        item = a_priced_item(url)
        with microcached_nginx(tmp_path, url) as base, \
                httpx.Client(verify=False, timeout=30) as client:  # noqa: S501 - loopback
            menu_url = f"{base}/menu/harbor?key={KEY}"
            with client.stream("GET", f"{base}/events/harbor?key={KEY}") as stream:
                assert "x-cache-status" not in stream.headers
                lines = stream.iter_lines()
                first = next_update(lines)
                # nginx's gzip marks the ETag weak (W/); the validator is the same.
                assert kept(client, menu_url).headers["etag"].removeprefix("W/") == first["etag"]
                httpx.post(f"{sim_url}/_sim/publish/{SAMPLE_RESTAURANT_GUID}",
                           json={"itemGuid": item["guid"], "price": item["price"] + 1.25},
                           ).raise_for_status()
                pushed = next_update(lines)
                assert pushed["etag"] != first["etag"]
                fresh = client.get(menu_url, headers={"Cache-Control": "no-cache"})
                assert fresh.headers["x-cache-status"] == "BYPASS"
                assert fresh.headers["etag"].removeprefix("W/") == pushed["etag"]


def next_update(lines: Iterator[str]) -> dict[str, str]:
    """The data of the next `event: update` on an open stream."""
    for line in lines:
        if line == "event: update":
            data = next(lines)
            assert data.startswith("data:")
            found: dict[str, str] = json.loads(data.removeprefix("data:"))
            return found
    raise AssertionError("the stream ended")
