"""Real processes on 127.0.0.1 for integration tests: start, wait until up, stop by PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import httpx
import pytest

BIN = Path(sys.executable).parent
RELAY = str(BIN / "toast-relay")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def require_binary(name: str) -> str:
    """The path of ``name``; skips when missing, but fails under CI=true (CI installs it)."""
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed; .ci/run must install it")
        pytest.skip(f"{name} is not installed")
    return path


def require_tool(name: str, installed_by: str) -> str:
    """A Python-packaged tool: beside this interpreter (.venv/bin) or on PATH; skips when
    missing, but fails under CI=true (``installed_by`` says what brings it)."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found:
        return found
    msg = f"{name} is not installed ({installed_by})"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


class Proc:
    """A child process whose output goes to a file the test can read."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path,
                 cwd: Path | None = None) -> None:
        self.log_path = log
        self._log = log.open("wb")
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TOAST_", "RELAY_", "REDIS_"))}
        full_env.update(env)
        self.proc = subprocess.Popen(args, env=full_env, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=cwd)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_output(self, needle: str, timeout: float = 10.0) -> str:
        """The output once it contains ``needle`` (access lines are written in batches)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if needle in out:
                return out
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared in the output:\n{self.output()}")

    def wait_http(self, url: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"process exited with {self.proc.returncode}:\n{self.output()}")
            try:
                httpx.get(url, timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"{url} did not answer within {timeout}s:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode


class Procs:
    """The processes one test (or fixture) starts; leaving the ``with`` block stops them all.

    Each is registered before it is waited for, so one that never comes up is stopped too;
    they are stopped newest first, and one failing to stop does not keep the rest running.
    """

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._stops = ExitStack()

    def __enter__(self) -> Procs:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stops.close()

    def start(self, args: list[str], env: Mapping[str, str], log_name: str,
              cwd: Path | None = None) -> Proc:
        """Any child process, its output in ``log_name`` under the test's directory."""
        proc = Proc(args, env, self.tmp / log_name, cwd)
        self._stops.callback(proc.stop)
        return proc

    def sim(self, token_lifetime: float = 86400.0, extra_args: list[str] | None = None,
            local_images: bool = False) -> str:
        """Start ``toast-relay sim`` on a free port; its URL once it answers."""
        port = free_port()
        proc = self.start([RELAY, "sim", "--port", str(port),
                           "--token-lifetime", str(token_lifetime),
                           *(["--local-images"] if local_images else []), *(extra_args or [])],
                          {}, f"sim-{port}.log")
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/_sim/calls")
        return url

    def spawn_relay(self, env: Mapping[str, str], *, port: int | None = None,
                    extra_args: list[str] | None = None,
                    log_name: str | None = None) -> tuple[Proc, str]:
        """Start ``toast-relay serve`` without waiting for it (to start several at once).

        ``log_name`` keeps a restarted replica (same port) from overwriting the first log."""
        port = port or free_port()
        proc = self.start([RELAY, "serve", "--port", str(port), *(extra_args or [])], env,
                          log_name or f"relay-{port}.log")
        return proc, f"http://127.0.0.1:{port}"

    def relay(self, env: Mapping[str, str], *, port: int | None = None,
              extra_args: list[str] | None = None, timeout: float = 20.0) -> tuple[Proc, str]:
        """Start ``toast-relay serve`` and wait until /healthz answers."""
        proc, url = self.spawn_relay(env, port=port, extra_args=extra_args)
        proc.wait_http(f"{url}/healthz", timeout)
        return proc, url
