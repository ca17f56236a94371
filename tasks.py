#!/usr/bin/env python3
"""One entry point for a fresh clone: needs only Python 3.11+.

    python3 tasks.py demo    # relay + simulated Toast; prints working URLs (runtime packages only)
    python3 tasks.py test    # lock check, lint, type-check and the whole test suite
    python3 tasks.py bench   # the benchmark (see docs/performance.md)
    python3 tasks.py screenshots  # board templates at 16:9 and 9:16, and the console, into docs/
    python3 tasks.py lock    # update uv.lock after editing pyproject.toml
                             # (``lock --upgrade`` moves every pin to the newest release)

Every install comes from ``uv.lock``, the committed lock of every dependency
(runtime, the ``redis`` extra and the ``dev`` tools), with hashes: two machines
that run these commands get the same versions. The first run creates ``.venv``
beside this file, puts a pinned ``uv`` into it and syncs from the lock; ``demo``
installs the runtime packages only, ``test`` and ``bench`` add the ``dev``
extra. A changed lock or pyproject.toml syncs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".toast-relay-installed"
LOCK = ROOT / "uv.lock"
# The tool that reads and writes uv.lock; bumped by hand, like any pin.
UV_VERSION = "0.13.9"

NO_VENV = (
    "this Python cannot create a virtual environment ({why}); on Debian or Ubuntu run "
    "`sudo apt-get install python3-venv` (python3.11-venv for a python3.11 that is not the "
    "default), then run this command again"
)


def create_venv() -> None:
    """Make .venv with pip in it, or exit with the one command that fixes a Python without venv."""
    try:
        import ensurepip  # noqa: F401  (Debian ships it in python3-venv)
        import venv
    except ImportError as exc:
        sys.exit(NO_VENV.format(why=exc))
    print("creating .venv ...", flush=True)
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(NO_VENV.format(why=exc))


def uv() -> str:
    """The pinned uv inside .venv, installed there by pip on first use."""
    exe = BIN / ("uv.exe" if os.name == "nt" else "uv")
    if exe.exists():
        found = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout
        if found.split()[1:2] == [UV_VERSION]:
            return str(exe)
    print(f"installing uv {UV_VERSION} into .venv ...", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", f"uv=={UV_VERSION}"], check=True)
    return str(exe)


def uv_env() -> dict[str, str]:
    """uv works on this clone's .venv, whatever environment the caller has active."""
    return {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV), "VIRTUAL_ENV": str(VENV)}


def ensure_venv(*, dev: bool) -> None:
    """.venv holds exactly the locked versions: the runtime, plus the dev tools when asked."""
    if sys.version_info < (3, 11):
        sys.exit("toast-relay needs Python 3.11 or newer; run this with python3.11")
    if not (BIN / "python").exists():
        create_venv()
    if not LOCK.exists():
        sys.exit("uv.lock is missing: run `python3 tasks.py lock` to create it")
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    wanted = digest.hexdigest()
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        stamp = {}
    if stamp.get("lock") == wanted and (stamp.get("dev") or not dev):
        return
    sync = uv()
    print(f"installing toast-relay{' and its dev tools' if dev else ''} from uv.lock ...",
          flush=True)
    # --inexact: leave uv itself (and the dev tools, for a later demo) in place.
    extras = ["--extra", "redis", "--extra", "dev"] if dev else []
    subprocess.run([sync, "sync", "--frozen", "--inexact", "--quiet", *extras],
                   cwd=ROOT, env=uv_env(), check=True)
    STAMP.write_text(json.dumps({"lock": wanted, "dev": dev}))


def run(*cmd: str) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=uv_env()).returncode


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "help"
    rest = argv[1:]
    if task not in {"demo", "test", "bench", "lock", "screenshots"}:
        print(__doc__)
        return 0 if task in {"help", "-h", "--help"} else 2
    if task == "lock":
        if not (BIN / "python").exists():
            create_venv()
        return run(uv(), "lock", *rest)
    ensure_venv(dev=task != "demo")
    py = str(BIN / "python")
    if task == "demo":
        os.execv(str(BIN / "toast-relay"), [str(BIN / "toast-relay"), "demo", *rest])
    if task == "bench":
        return run(py, "-m", "bench", *rest)
    if task == "screenshots":
        return run(py, "-m", "bench.screenshots", *rest)
    for step in (
        # The lock must say what pyproject.toml asks for (no network: the lock alone decides).
        (uv(), "lock", "--check", "--offline", "--quiet"),
        (py, "-m", "ruff", "check", "app", "tests", "bench", "tasks.py"),
        (py, "-m", "mypy"),
        (py, "-m", "pytest", *rest),
    ):
        code = run(*step)
        if code:
            if step[1:3] == ("lock", "--check"):
                print("uv.lock does not match pyproject.toml: run `python3 tasks.py lock` "
                      "and commit uv.lock", flush=True)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
