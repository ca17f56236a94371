"""Real ``redis-server`` processes for tests: free loopback port, no persistence, killed by PID."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.procs import Proc, free_port, require_binary


class RedisServer:
    """One redis-server on 127.0.0.1; ``kill`` and ``start`` again on the same port."""

    def __init__(self, tmp: Path, password: str | None = None) -> None:
        self.binary = require_binary("redis-server")
        self.tmp = tmp
        self.port = free_port()
        self.password = password
        self.proc: Proc | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.tmp)]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = Proc(args, {}, self.tmp / f"redis-{self.port}-{self.starts}.log")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.proc.output()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not listen:\n{self.proc.output()}")

    def kill(self) -> None:
        """Gone at once, with everything it held (it keeps nothing on disk)."""
        if self.proc is not None:
            self.proc.stop(signal.SIGKILL)
            self.proc = None


def redis_server(tmp_path: Path, password: str | None = None) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path, password)
    server.start()
    try:
        yield server
    finally:
        server.kill()
