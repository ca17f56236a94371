"""systemd unit files read as systemd does: repeated keys keep every value."""

from __future__ import annotations


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Section → key → every value (systemd allows repeated keys; configparser alone would not)."""
    units: dict[str, dict[str, list[str]]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            units.setdefault(section, {})
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not key=value: {line!r}"
        units[section].setdefault(key.strip(), []).append(value.strip())
    return units
