"""Processes the benchmark starts: on 127.0.0.1 only, waited for, and ended by PID."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

BIN = Path(sys.executable).parent
RELAY = str(BIN / "toast-relay")
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def find_binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None)


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment without any relay settings of the caller's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TOAST_", "RELAY_", "REDIS_", "SIM_"))}
    env.update(extra)
    return env


class Proc:
    """One child process; output goes to a log file; ``stop`` ends it by its PID."""

    def __init__(self, name: str, args: Sequence[str], log: Path, *,
                 env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.name = name
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argument lists built here
            list(args), env=clean_env(env or {}), cwd=cwd, stdout=self._log,
            stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_http(self, url: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                   f"{self.output()}")
            try:
                httpx.get(url, timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name}: {url} did not answer within {timeout}s:\n"
                           f"{self.output()}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


class Procs:
    """Every process of one benchmark part; leaving the ``with`` block stops them all."""

    def __init__(self) -> None:
        self._procs: list[Proc] = []

    def start(self, proc: Proc) -> Proc:
        self._procs.append(proc)
        return proc

    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def stop_last(self) -> None:
        """Stop the most recently started process now."""
        self._procs.pop().stop()

    def __enter__(self) -> Procs:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for proc in reversed(self._procs):
            proc.stop()


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (and friends) of ``pid`` in KiB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Vm") and value.strip().endswith("kB"):
            out[key] = int(value.split()[0])
    return out


def _pin(pid: int, cpus: set[int]) -> None:
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that just ended
            os.sched_setaffinity(int(tid), cpus)


@contextlib.contextmanager
def own_core(pid: int, others: Iterable[int]) -> Iterator[bool]:
    """Every thread of ``pid`` on CPU 0 alone, ``others`` and this process (threads it
    starts inside the block too) on the other CPUs. This process gets its CPUs back when
    the block ends; ``pid`` and ``others`` stay pinned (they are meant to be stopped
    after it). Yields False and pins nothing when this process may not use CPU 0 and
    another. Without it, a process that waits is descheduled while the simulator and
    load generator it shares two cores with take their turn, and its own lateness timer
    counts their work as its stall."""
    cpus = os.sched_getaffinity(0)
    if len(cpus) < 2 or 0 not in cpus:
        yield False
        return
    rest = cpus - {0}
    _pin(pid, {0})
    for other in [*others, os.getpid()]:
        _pin(other, rest)
    try:
        yield True
    finally:
        _pin(os.getpid(), cpus)


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) ``pid`` has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_sim(procs: Procs, tmp: Path, token_lifetime: float | None = None, *,
              local_images: bool = False, clients: Path | None = None) -> str:
    """``toast-relay sim``; ``clients``: a ``--clients`` file replacing its API clients."""
    port = free_port()
    lifetime = [] if token_lifetime is None else ["--token-lifetime", str(token_lifetime)]
    images = ["--local-images"] if local_images else []
    clients_file = [] if clients is None else ["--clients", str(clients)]
    proc = procs.start(Proc("sim", [RELAY, "sim", "--host", HOST, "--port", str(port),
                                    *lifetime, *images, *clients_file], tmp / "sim.log",
                            cwd=tmp))
    url = f"http://{HOST}:{port}"
    proc.wait_http(f"{url}/_sim/calls")
    return url


def start_relay(procs: Procs, tmp: Path, env: Mapping[str, str],
                name: str = "relay", port: int | None = None) -> tuple[Proc, str]:
    """``toast-relay serve`` as shipped (on ``port``, else a free one); cwd is ``tmp`` so
    no stray .env is read."""
    port = port or free_port()
    proc = procs.start(Proc(name, [RELAY, "serve", "--host", HOST, "--port", str(port)],
                            tmp / f"{name}.log", env=env, cwd=tmp))
    url = f"http://{HOST}:{port}"
    proc.wait_http(f"{url}/healthz")
    return proc, url


def start_redis(procs: Procs, tmp: Path) -> str | None:
    """A throwaway redis-server (no persistence) on a free port; None if not installed."""
    binary = find_binary("redis-server")
    if binary is None:
        return None
    port = free_port()
    procs.start(Proc("redis", [binary, "--port", str(port), "--bind", HOST, "--save", "",
                               "--appendonly", "no", "--dir", str(tmp)],
                     tmp / f"redis-{port}.log", cwd=tmp))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((HOST, port)) == 0:
                return f"redis://{HOST}:{port}/0"
        time.sleep(0.05)
    raise RuntimeError("redis-server did not listen within 20 s")
