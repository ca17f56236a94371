"""Files the relay keeps under RELAY_DATA_DIR: private directories, atomic writes, and
one clear log line when a saved file turns out to be damaged.

``WRITES`` does writes on one worker thread, in the order asked: each ends with an
fsync, which on a busy disk takes from milliseconds to hundreds of them, and a
hundred menus changing at once must not hold the event loop that long.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as mode 0700: saved menus and the token are
    nobody else's business. An existing directory keeps the mode its owner gave it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` (created private by default) via a fsync'd temp file."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp already creates 0600; fchmod states the intent and covers odd umasks.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class WriteBehind:
    """Atomic writes off the event loop, one at a time, in the order they were asked."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toast-relay-write")
        self._pending: dict[Path, Future[None]] = {}
        """The last write asked of each path, until it is done."""
        self._lock = threading.Lock()

    def submit(self, path: Path, data: bytes, mode: int = 0o600) -> Future[None]:
        done = self._pool.submit(atomic_write, path, data, mode)
        with self._lock:
            self._pending[path] = done
        done.add_done_callback(partial(self._forget, path))
        return done

    def _forget(self, path: Path, done: Future[None]) -> None:
        with self._lock:
            if self._pending.get(path) is done:
                del self._pending[path]

    def wait(self, path: Path | None = None) -> None:
        """Block until the writes of ``path`` asked so far (of every path, without one) are
        on disk, before reading one back. Reading a file nobody is writing does not wait:
        a restart restoring a thousand copies must not queue behind other files' fsyncs
        with the event loop held."""
        if path is None:
            self._pool.submit(lambda: None).result()
            return
        with self._lock:
            done = self._pending.get(path)
        if done is not None:
            done.exception()  # waits; the writer's caller reports a failure


WRITES = WriteBehind()


class DamageReport:
    """Logs a damaged or unreadable saved file once (per path, until it is written again),
    naming the file, what is wrong and what the relay does about it."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self._told: set[Path] = set()

    def damaged(self, path: Path, problem: str, action: str) -> None:
        if path in self._told:
            return
        self._told.add(path)
        self._log.warning("%s %s %s; %s", self._what, path, problem, action,
                          extra={"path": str(path)})

    def rewritten(self, path: Path) -> None:
        self._told.discard(path)
