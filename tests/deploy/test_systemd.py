"""deploy/systemd/toast-relay.service: sandboxed, restartable, state in /var/lib."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.procs import require_binary
from tests.support.unit_files import parse_unit

ROOT = Path(__file__).resolve().parents[2]
UNIT_PATH = ROOT / "deploy" / "systemd" / "toast-relay.service"


UNIT = parse_unit(UNIT_PATH.read_text())
SERVICE = UNIT["Service"]


def test_configparser_reads_the_unit() -> None:
    """The unit is plain INI: configparser finds the three sections systemd expects."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(UNIT_PATH.read_text())
    assert parser.sections() == ["Unit", "Service", "Install"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize(("key", "value"), [
    ("DynamicUser", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("NoNewPrivileges", "yes"),
    ("StateDirectory", "toast-relay"),
    ("EnvironmentFile", "/etc/toast-relay/env"),
    ("Restart", "on-failure"),
])
def test_sandboxing_and_lifecycle_keys(key: str, value: str) -> None:
    """The service sets each sandboxing / lifecycle key the deploy contract names."""
    assert SERVICE.get(key, [])[-1:] == [value]


def test_data_dir_is_the_state_directory() -> None:
    """RELAY_DATA_DIR is /var/lib/<StateDirectory>, the only writable place under ProtectSystem."""
    env = " ".join(SERVICE["Environment"]).split()
    assert f"RELAY_DATA_DIR=/var/lib/{SERVICE['StateDirectory'][-1]}" in env


def test_stop_timeout_is_bounded() -> None:
    """TimeoutStopSec is set so a stuck stop is killed, not waited on forever."""
    (timeout,) = SERVICE["TimeoutStopSec"]
    assert timeout.rstrip("s").isdigit() and int(timeout.rstrip("s")) > 0


def test_serves_on_loopback_only() -> None:
    """ExecStart runs `toast-relay serve` on 127.0.0.1 (nginx is the public face)."""
    (exec_start,) = SERVICE["ExecStart"]
    argv = exec_start.split()
    assert argv[0].endswith("/toast-relay") and argv[1] == "serve"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd-analyze verify accepts the unit with no unknown keys (ExecStart made runnable)."""
    analyze = require_binary("systemd-analyze")
    unit = tmp_path / "toast-relay.service"
    (exec_start,) = SERVICE["ExecStart"]
    true = shutil.which("true") or "/bin/true"
    unit.write_text(UNIT_PATH.read_text().replace(exec_start.split()[0], true))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "ignoring" not in result.stderr, result.stderr
