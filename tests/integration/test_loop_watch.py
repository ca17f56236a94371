"""The loop watch's CPU-wait reader counts real time a thread spent waiting for a CPU."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Pinned to one CPU with a busy sibling process, this thread must wait for its turn.
_CONTENDED = """
import os, time
from app.loopwatch import CpuWait
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
waited = CpuWait()
before = waited()
child = os.fork()
end = time.monotonic() + 0.3
while time.monotonic() < end:
    pass
if child == 0:
    os._exit(0)
os.waitpid(child, 0)
print(waited() - before)
waited.close()
"""


@pytest.mark.skipif(not os.path.exists("/proc/thread-self/schedstat")
                    and os.environ.get("CI") != "true", reason="Linux schedstat only")
def test_cpu_wait_grows_while_another_process_holds_the_cpu() -> None:
    """Two busy processes share one CPU for 0.3 s: the reader's second read says this
    thread waited for it (each waits about 0.15 s; 50 ms is a third of that)."""
    out = subprocess.run([sys.executable, "-c", _CONTENDED], capture_output=True, text=True,
                         timeout=60, check=True)
    assert float(out.stdout) >= 0.05
