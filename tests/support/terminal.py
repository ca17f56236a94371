"""Drive a command at a pseudo-terminal (stdlib ``pty``): wait for each prompt, type the
answer, collect everything the terminal showed. Every wait is bounded."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Session:
    returncode: int
    screen: str
    """All the terminal showed: output, prompts and the answers it echoed."""


def _read(fd: int, seconds: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], seconds)
    if not ready:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: the child closed its side of the terminal
        return b""


def converse(args: Sequence[str], env: Mapping[str, str], cwd: Path,
             script: Sequence[tuple[str, str]], timeout: float = 60.0) -> Session:
    """Run ``args`` with a terminal for stdin, stdout and stderr; for each (prompt, answer)
    wait until ``prompt`` appears (after the previous one), then type ``answer`` + Enter."""
    main, child_side = pty.openpty()
    proc = subprocess.Popen(list(args), stdin=child_side, stdout=child_side, stderr=child_side,
                            env=dict(env), cwd=cwd, close_fds=True)
    os.close(child_side)
    screen = b""
    seen = 0
    deadline = time.monotonic() + timeout
    try:
        for prompt, answer in script:
            while prompt.encode() not in screen[seen:]:
                chunk = _read(main, 0.2)
                if time.monotonic() > deadline or (not chunk and proc.poll() is not None):
                    raise AssertionError(f"never asked {prompt!r}:\n"
                                         f"{screen.decode(errors='replace')}")
                screen += chunk
            seen = screen.index(prompt.encode(), seen) + len(prompt)
            os.write(main, answer.encode() + b"\n")
        while proc.poll() is None and time.monotonic() < deadline:
            screen += _read(main, 0.2)
        while chunk := _read(main, 0.2):
            screen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        os.close(main)
    return Session(proc.returncode, screen.decode("utf-8", errors="replace"))
