"""The one atomic file write: readers see the old file or the new one, never half.

``WRITES`` does them on one worker thread, in the order asked: each write ends
with an fsync, which on a busy disk takes from milliseconds to hundreds of them,
and a hundred menus changing at once must not hold the event loop that long.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` (created private by default) via a fsync'd temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
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

    def submit(self, path: Path, data: bytes, mode: int = 0o600) -> Future[None]:
        return self._pool.submit(atomic_write, path, data, mode)

    def wait(self) -> None:
        """Block until every write asked so far is on disk (before reading one back)."""
        self._pool.submit(lambda: None).result()


WRITES = WriteBehind()
