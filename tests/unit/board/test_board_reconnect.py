"""The board's wait before reopening ``/events``: the server's retry plus up to 30 s of
jitter, then backing off (board.js ``delay``, run in node exactly as the page ships it)."""

from __future__ import annotations

import json
import re
import subprocess

from app.board.render import _JS
from tests.support.procs import require_binary


def delays(cases: list[tuple[int, float]]) -> list[float]:
    """``delay(n, r)`` for each case, from the script as served (comments stripped)."""
    source = re.search(r"function delay\(n,r\)\{[^}]*\}", str(_JS))
    assert source is not None, "board.js has no delay(n, r)"
    script = f"{source[0]}\nconsole.log(JSON.stringify({json.dumps(cases)}.map(" \
             "function (c) { return delay(c[0], c[1]); })));"
    out = subprocess.run([require_binary("node"), "-e", script], capture_output=True,
                         text=True, check=True, timeout=30)
    values: list[float] = json.loads(out.stdout)
    return values


def test_the_first_reconnect_is_spread_over_25_s() -> None:
    """After a stream breaks: 1 s plus r × 25 s, so boards spread out and all are back
    within 30 s of a restart."""
    assert delays([(1, 0.0), (1, 0.5), (1, 0.999)]) == [1000, 13500, 1000 + 0.999 * 25000]


def test_repeated_failures_back_off_to_ten_minutes() -> None:
    """A first failed try (a relay still starting) is spread the same way; from the second
    failure in a row the base doubles (30 s, 60 s, ...) up to 10 minutes, plus jitter."""
    assert delays([(2, 0.0), (3, 0.0), (4, 0.0), (20, 0.0), (20, 0.5)]) == [
        1000, 30000, 60000, 600000, 612500]
