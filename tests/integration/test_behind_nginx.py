"""End to end through a real nginx running deploy/nginx/toast-relay.conf."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.nginx import run_nginx, self_signed_cert, write_config
from tests.support.procs import free_port, require_binary
from tests.support.relay_env import KEY
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
