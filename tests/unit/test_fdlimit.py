"""The open-files limit: raised to the hard limit at start-up, and a warning when short."""

from __future__ import annotations

import logging
import resource

import pytest

from app.fdlimit import (
    SPARE_FILES,
    FileLimit,
    files_needed,
    log_open_files_limit,
    raise_open_files_limit,
)


def test_files_needed_counts_streams_requests_and_spares() -> None:
    """One file per stream and per request in flight, plus the spares."""
    assert files_needed(5000, 1000) == 6000 + SPARE_FILES


def test_the_soft_limit_ends_at_the_hard_limit() -> None:
    """After the raise, the soft limit in force is the hard one."""
    got = raise_open_files_limit()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert got.soft == soft == hard == got.hard


def test_a_limit_below_the_need_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """One info line always; a warning naming the settings when the limit is short."""
    log = logging.getLogger("test.fdlimit")
    with caplog.at_level(logging.INFO, logger="test.fdlimit"):
        log_open_files_limit(FileLimit(65536, 65536, raised=False), 6200, log)
        assert [r.levelname for r in caplog.records] == ["INFO"]
        log_open_files_limit(FileLimit(1024, 1024, raised=False), 6200, log)
    warning = caplog.records[-1]
    assert warning.levelname == "WARNING"
    assert "RELAY_EVENTS_MAX_CONNECTIONS" in warning.getMessage()
    assert "1024" in warning.getMessage()


def test_unlimited_is_not_short(caplog: pytest.LogCaptureFixture) -> None:
    """An unlimited limit (-1: no such limits on this OS) never warns."""
    log = logging.getLogger("test.fdlimit")
    with caplog.at_level(logging.INFO, logger="test.fdlimit"):
        log_open_files_limit(FileLimit(-1, -1, raised=False), 6200, log)
    assert [r.levelname for r in caplog.records] == ["INFO"]
