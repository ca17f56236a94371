"""Every deployment leaves room for the /events streams one replica holds (open files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.config import Settings
from app.fdlimit import files_needed

ROOT = Path(__file__).resolve().parents[2]
NEEDED = files_needed(Settings.model_fields["relay_events_max_connections"].default,
                      Settings.model_fields["relay_limit_concurrency"].default)


def test_systemd_unit_sets_soft_and_hard_open_files() -> None:
    """The unit's LimitNOFILE is one number (soft = hard: its system-call filter forbids
    the relay to raise its own) and covers the default stream and request caps."""
    unit = (ROOT / "deploy" / "systemd" / "toast-relay.service").read_text()
    values = [line.split("=", 1)[1] for line in unit.splitlines()
              if line.startswith("LimitNOFILE=")]
    assert len(values) == 1 and ":" not in values[0]
    assert int(values[0]) >= NEEDED


def test_compose_relays_have_an_open_files_ulimit() -> None:
    """Each relay replica in docker-compose.yml gets nofile soft and hard above the need."""
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    relays = {n: s for n, s in compose["services"].items() if n.startswith("relay-")}
    assert relays
    for name, service in relays.items():
        nofile = service["ulimits"]["nofile"]
        assert nofile["soft"] == nofile["hard"] >= NEEDED, name


def test_deployment_doc_covers_systemd_compose_and_kubernetes() -> None:
    """docs/deployment.md says how to give the relay its open files on each platform."""
    doc = (ROOT / "docs" / "deployment.md").read_text()
    section = doc.split("## Many boards on one replica", 1)[1].split("\n## ", 1)[0]
    for needle in ("LimitNOFILE", "ulimits", "Kubernetes", "open files limit"):
        assert needle in section
