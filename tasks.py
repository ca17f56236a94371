#!/usr/bin/env python3
"""One entry point for a fresh clone: needs only Python 3.11+.

    python3 tasks.py demo    # relay + simulated Toast on 127.0.0.1, prints working URLs
    python3 tasks.py test    # lint, type-check and the whole test suite
    python3 tasks.py bench   # the benchmark (see README "Performance")

It creates ``.venv`` beside this file and installs the project (with its dev
extra) into it the first time, and again whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".toast-relay-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("toast-relay needs Python 3.11 or newer; run this with python3.11")
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing toast-relay and its test tools into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*cmd: str) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "help"
    rest = argv[1:]
    if task not in {"demo", "test", "bench"}:
        print(__doc__)
        return 0 if task in {"help", "-h", "--help"} else 2
    ensure_venv()
    py = str(BIN / "python")
    if task == "demo":
        os.execv(str(BIN / "toast-relay"), [str(BIN / "toast-relay"), "demo", *rest])
    if task == "bench":
        return run(py, "-m", "bench", *rest)
    for step in (
        (py, "-m", "ruff", "check", "app", "tests", "bench", "tasks.py"),
        (py, "-m", "mypy"),
        (py, "-m", "pytest", *rest),
    ):
        code = run(*step)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
