"""`toast-relay demo --host 0.0.0.0`: the relay listens on every interface and prints URLs
a TV on the LAN can open. The one test that binds beyond 127.0.0.1; it sends nothing
beyond this machine (its own LAN address is answered locally)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.demo import DEMO_ADMIN_KEY, DEMO_KEY
from app.lan import lan_address
from tests.support.procs import RELAY, Procs, free_port

pytestmark = pytest.mark.integration
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - the bind under test


def listening_on_all_interfaces(port: int) -> bool:
    """A listening IPv4 socket bound to 0.0.0.0:port, read from /proc/net/tcp."""
    wanted = f"00000000:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
            return True
    return False


def test_demo_on_all_interfaces_prints_lan_urls(tmp_path: Path) -> None:
    """With --host 0.0.0.0 the demo listens on 0.0.0.0, prints URLs with this machine's
    LAN address (127.0.0.1 when it has none) that answer, and its admin key is no longer
    the well-known one."""
    port, sim_port = free_port(), free_port()
    lan = lan_address()
    with Procs(tmp_path) as procs:
        demo = procs.start([RELAY, "demo", "--host", EVERY_INTERFACE, "--port", str(port),
                            "--sim-port", str(sim_port)], {}, "demo.log")
        out = demo.wait_output("Ctrl-C stops both", timeout=30)
        assert listening_on_all_interfaces(port)
        host = lan or "127.0.0.1"
        assert f"http://{host}:{port}/board/harbor?key={DEMO_KEY}" in out
        if lan is not None:
            assert "Listening on every interface" in out and lan in out
        else:
            assert "no LAN address" in out
        board = httpx.get(f"http://{host}:{port}/menu/harbor", params={"key": DEMO_KEY},
                          timeout=15)
        assert board.status_code == 200
        admin = httpx.get(f"http://127.0.0.1:{port}/admin/status",
                          params={"key": DEMO_ADMIN_KEY})
        assert admin.status_code == 401
