"""deploy/kiosk/toast-board-kiosk.service: a Chromium kiosk on a Raspberry Pi showing a board."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.procs import require_binary
from tests.support.relay_env import KEY
from tests.support.stack import running_stack
from tests.support.unit_files import parse_unit

ROOT = Path(__file__).resolve().parents[2]
UNIT_PATH = ROOT / "deploy" / "kiosk" / "toast-board-kiosk.service"
UNIT = parse_unit(UNIT_PATH.read_text())
SERVICE = UNIT["Service"]


def exec_start() -> list[str]:
    (line,) = SERVICE["ExecStart"]
    return shlex.split(line)


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd-analyze verify accepts the kiosk unit (Chromium's path made runnable)."""
    analyze = require_binary("systemd-analyze")
    unit = tmp_path / "toast-board-kiosk.service"
    true = shutil.which("true") or "/bin/true"
    unit.write_text(UNIT_PATH.read_text().replace(exec_start()[0], true))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "ignoring" not in result.stderr, result.stderr


def test_chromium_full_screen_on_the_board_url() -> None:
    """ExecStart runs Chromium in kiosk mode on $BOARD_URL, without crash or restore bubbles."""
    argv = exec_start()
    assert argv[0].endswith("/chromium")
    assert {"--kiosk", "--noerrdialogs", "--disable-session-crashed-bubble"} <= set(argv)
    assert argv[-1] == "${BOARD_URL}"


def test_waits_a_while_for_the_board_then_starts_anyway() -> None:
    """Chromium waits (boundedly) for the board to answer, then starts even if the relay is
    unreachable, so a board kept by the browser can come up during an outage."""
    waits = " ".join(SERVICE["ExecStartPre"])
    assert 'curl -fsS -o /dev/null --max-time 10 "$BOARD_URL"' in waits
    assert '[ "$tries" -ge 9 ] && exit 0' in waits
    assert SERVICE["TimeoutStartSec"] == ["infinity"]


def test_the_profile_keeps_what_the_board_stores() -> None:
    """No --incognito: the board's service worker and last content survive a restart."""
    argv = exec_start()
    assert "--incognito" not in argv and "--guest" not in argv
    assert "--hide-crash-restore-bubble" in argv


@pytest.mark.integration
def test_boot_wait_gives_up_when_the_relay_is_unreachable(tmp_path: Path) -> None:
    """With nothing listening, the wait ends by itself (exit 0) after its tries; sleep is
    stubbed so the test does not take minutes."""
    require_binary("curl")
    (wait,) = [c for c in SERVICE["ExecStartPre"] if "curl" in c]
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "sleep").write_text("#!/bin/sh\nexit 0\n")
    (stub / "sleep").chmod(0o755)
    env = {"BOARD_URL": "http://127.0.0.1:9/board/x", "PATH": f"{stub}:{os.environ['PATH']}"}
    result = subprocess.run(shlex.split(wait), env=env, timeout=60, check=False,
                            capture_output=True)
    assert result.returncode == 0


def test_key_stays_out_of_the_unit() -> None:
    """The board URL (with its screen key) comes from a root-only environment file."""
    assert SERVICE["EnvironmentFile"] == ["/etc/toast-board-kiosk.env"]
    assert "key=" not in " ".join(SERVICE.get("Environment", []))


@pytest.mark.parametrize(("section", "key", "value"), [
    ("Service", "Restart", "always"),
    ("Unit", "Wants", "network-online.target"),
    ("Install", "WantedBy", "graphical.target"),
])
def test_restarts_and_starts_with_the_desktop(section: str, key: str, value: str) -> None:
    """The kiosk comes back if Chromium exits and starts once network and desktop are up."""
    assert UNIT[section].get(key, [])[-1:] == [value]


@pytest.mark.integration
def test_boot_wait_passes_once_the_board_answers(tmp_path: Path) -> None:
    """The unit's curl wait, run for real, ends once the URL answers 200 and keeps waiting
    while the relay refuses the key (for its tries, so a wrong key shows in the journal)."""
    require_binary("curl")
    (wait,) = [c for c in SERVICE["ExecStartPre"] if "curl" in c]
    argv = shlex.split(wait)
    with running_stack(tmp_path) as stack:
        url = stack.url
        good = {"BOARD_URL": f"{url}/menu/harbor?key={KEY}", "PATH": os.environ["PATH"]}
        assert subprocess.run(argv, env=good, timeout=60, check=False).returncode == 0
        bad = {**good, "BOARD_URL": f"{url}/menu/harbor?key=wrong-key-0123456789"}
        with pytest.raises(subprocess.TimeoutExpired):
            subprocess.run(argv, env=bad, timeout=3, check=False, capture_output=True)


@pytest.mark.integration
def test_chromium_with_the_kiosk_flags_shows_the_board(tmp_path: Path) -> None:
    """Chromium started with the unit's own flags on a board URL (headless here) renders
    the board's items: the URL shape and the flags work together."""
    binary = require_binary("chromium")
    with running_stack(tmp_path) as stack:
        url = stack.url
        flags = [a for a in exec_start()[1:-1] if a != "--kiosk"]
        board = f"{url}/board/harbor?key={KEY}"
        result = subprocess.run(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
             f"--user-data-dir={tmp_path / 'profile'}", *flags, "--dump-dom", board],
            capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.count("data-guid=") >= 10, result.stdout[:2000]
