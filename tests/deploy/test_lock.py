"""The dependency lock: it matches pyproject.toml, every install reads it, and a drift is caught."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.procs import require_tool

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "uv.lock"


def _tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tasks_under_test", ROOT / "tasks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _uv() -> str:
    return require_tool("uv", "python3 tasks.py test puts the pinned uv into .venv")


def _check(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_uv(), "lock", "--check", "--offline", "--directory", str(project)],
                          capture_output=True, text=True, timeout=120)


def test_lock_matches_pyproject() -> None:
    """uv.lock satisfies pyproject.toml as committed (the check CI runs passes)."""
    result = _check(ROOT)
    assert result.returncode == 0, result.stderr


def test_lock_check_fails_when_pyproject_drifts(tmp_path: Path) -> None:
    """A dependency removed from pyproject.toml without relocking fails the check, offline."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '    "anyascii>=0.3.2",' in text
    (tmp_path / "pyproject.toml").write_text(text.replace('    "anyascii>=0.3.2",', ""))
    shutil.copy(LOCK, tmp_path / "uv.lock")
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "needs to be updated" in result.stderr


def test_lock_pins_every_dependency_group() -> None:
    """The lock records the runtime packages, the redis extra and the dev extra."""
    lock = tomllib.loads(LOCK.read_text())
    project = next(p for p in lock["package"] if p["name"] == "toast-relay")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked_names = {p["name"] for p in lock["package"]}

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in requirements}

    assert names(declared["dependencies"]) <= locked_names
    for extra in ("redis", "dev"):
        assert names(declared["optional-dependencies"][extra]) <= locked_names
        assert extra in project["optional-dependencies"]


def test_uv_pin_is_the_same_in_tasks_and_dockerfile() -> None:
    """tasks.py and the Dockerfile use one uv version, so both read the lock alike."""
    pinned = _tasks().UV_VERSION
    assert f"uv=={pinned}" in (ROOT / "Dockerfile").read_text()


def test_dockerfile_installs_the_lock_with_hashes() -> None:
    """The image copies uv.lock and installs its export with pip --require-hashes."""
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"COPY pyproject\.toml uv\.lock", text)
    assert "uv export --frozen" in text and "--require-hashes" in text
    assert "!uv.lock" in (ROOT / ".dockerignore").read_text().split()


def test_tasks_names_the_fix_when_venv_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ensurepip, tasks.py exits with the one command that installs python3-venv."""
    tasks = _tasks()
    real_import = __import__

    def no_ensurepip(name: str, *args: object, **kwargs: object) -> object:
        if name == "ensurepip":
            raise ImportError("No module named 'ensurepip'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("builtins.__import__", no_ensurepip)
    with pytest.raises(SystemExit) as exited:
        tasks.create_venv()
    assert "apt-get install python3-venv" in str(exited.value)
