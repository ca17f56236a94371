"""``toast-relay screens list|show|apply|delete``: screens as code, for ops staff.

It talks to the running relay's admin API (``--url``, RELAY_ADMIN_KEY) rather than
to the store: the relay then validates, versions, announces the change to every
replica and pushes it to open boards, exactly as for any other admin client, and
the command works the same with RELAY_DATA_DIR or Redis behind it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any, TextIO

import httpx

from app.errors import ConfigError, RelayError

DEFAULT_URL = "http://127.0.0.1:8080"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("screens", help="list, show, apply (from a JSON or TOML file) or delete "
                                       "stored screens through the running relay's admin API")
    p.add_argument("--url", default=os.environ.get("RELAY_URL", DEFAULT_URL),
                   help="the relay (default RELAY_URL or %(default)s); the admin key comes "
                        "from RELAY_ADMIN_KEY")
    p.add_argument("action", choices=("list", "show", "apply", "delete"))
    p.add_argument("target", nargs="?", default=None,
                   help="show/delete: a screen name; apply: a .json or .toml file mapping "
                        "each screen name to its definition (or with a top-level 'screens')")


def load_definitions(path: Path) -> dict[str, Any]:
    """Screen name → definition from a JSON or TOML file (``[screens.drinks]`` or top level)."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text.decode()) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid {path.suffix.lstrip('.') or 'JSON'}: "
                          f"{exc}") from None
    if isinstance(data, dict) and isinstance(data.get("screens"), dict):
        data = data["screens"]
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"{path} must map each screen name to its definition")
    return data


def run(args: argparse.Namespace, out: TextIO = sys.stdout,
        transport: httpx.BaseTransport | None = None) -> int:
    key = os.environ.get("RELAY_ADMIN_KEY")
    if not key:
        raise ConfigError("set RELAY_ADMIN_KEY to the relay's admin key")
    with httpx.Client(base_url=args.url, headers={"X-API-Key": key}, timeout=30,
                      transport=transport) as client:
        try:
            return _act(client, args.action, args.target, out)
        except httpx.HTTPError as exc:
            raise RelayError(f"cannot reach the relay at {args.url} ({type(exc).__name__}); "
                             "is it running? --url names it") from None


def _check(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        raise RelayError(f"{r.request.method} {r.request.url.path}: {r.status_code} {detail}")
    return r.json() if r.content else None


def _act(client: httpx.Client, action: str, target: str | None, out: TextIO) -> int:
    if action == "list":
        for s in _check(client.get("/admin/screens"))["screens"]:
            print(f"{s['screen']}\tv{s['version']}\t{s['restaurant'] or '(chain-wide)'}\t"
                  f"{' '.join(s['urls']['board'])}", file=out)
        return 0
    if target is None:
        raise ConfigError(f"screens {action} needs a {'file' if action == 'apply' else 'name'}")
    if action == "show":
        print(json.dumps(_check(client.get(f"/admin/screens/{target}")), indent=2), file=out)
    elif action == "delete":
        _check(client.delete(f"/admin/screens/{target}"))
        print(f"deleted {target}", file=out)
    else:
        for name, definition in load_definitions(Path(target)).items():
            stored = _check(client.put(f"/admin/screens/{name}", json=definition))
            missing = stored.get("missing") or {}
            note = f" (missing: {json.dumps(missing)})" if missing else ""
            print(f"{name}\tv{stored['version']}{note}", file=out)
    return 0
