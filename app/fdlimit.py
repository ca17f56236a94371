"""The open-files limit: every open ``/events`` stream is a socket, and so a file.

Linux starts most processes with a soft limit of 1,024 open files, far below the
5,000 streams one replica holds. The soft limit may be raised up to the hard one
without privileges, so ``toast-relay serve`` does that at start-up; the hard limit
itself is the service manager's (``LimitNOFILE`` in deploy/systemd, ``ulimits`` in
deploy/compose, the container runtime's default in Kubernetes: docs/deployment.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

SPARE_FILES = 200
"""Files the relay needs besides streams and requests: listening socket, Toast and
Redis connections, log and data files, the event loop's own."""


@dataclass(frozen=True)
class FileLimit:
    soft: int
    """The limit now in force (-1: unlimited)."""
    hard: int
    raised: bool
    error: str | None = None
    """Why the soft limit could not be raised (None: it was, or needed not be)."""


def files_needed(events_max: int, limit_concurrency: int) -> int:
    """Open files a replica may need: one per stream and per request, plus spares."""
    return events_max + limit_concurrency + SPARE_FILES


def raise_open_files_limit() -> FileLimit:
    """Raise the soft RLIMIT_NOFILE to the hard limit, where the OS has such limits."""
    try:
        import resource
    except ImportError:  # not a Unix: nothing to raise
        return FileLimit(-1, -1, raised=False)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == hard:
        return FileLimit(soft, hard, raised=False)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as exc:  # macOS refuses more than OPEN_MAX
        return FileLimit(soft, hard, raised=False, error=str(exc))
    return FileLimit(hard, hard, raised=True)


def log_open_files_limit(limit: FileLimit, needed: int, log: logging.Logger) -> None:
    """One line with the limit in force; a warning when it is below what is ``needed``."""
    log.info("open files limit", extra={"openFiles": limit.soft, "hardLimit": limit.hard,
                                        "raised": limit.raised, "error": limit.error})
    if 0 <= limit.soft < needed:
        log.warning(
            f"the open files limit ({limit.soft}) is below the {needed} that "
            "RELAY_EVENTS_MAX_CONNECTIONS and RELAY_LIMIT_CONCURRENCY need: past it new "
            "connections are refused; raise LimitNOFILE (systemd) or ulimits nofile "
            "(compose), see docs/deployment.md",
            extra={"openFiles": limit.soft, "needed": needed})
