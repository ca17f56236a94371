"""How long a large restaurant's renders hold the event loop: on the loop, or in a thread.

In process, no server: a ``LoopWatch`` (``app/loopwatch.py``) wakes every 1 ms and
notes how late it woke while one render runs, either called on the loop (what a
render queued in the ``Pacer`` does) or through ``asyncio.to_thread`` (what the pacer's
heavy renders and a board's first request do). In a thread the loop still waits for
the GIL: between the interpreter's switches (5 ms) and for the whole of any one C call
that keeps it (msgspec decoding, orjson encoding); that is what this measures.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EVERY = 0.001


@dataclass(frozen=True)
class Stall:
    """One render: its wall time and the loop's longest and total lateness meanwhile."""

    wall_ms: float
    longest_ms: float
    late_ms: float


async def _measure(job: Callable[[], Any], thread: bool, copies: int = 1,
                   one_thread: bool = False) -> Stall:
    from app.loopwatch import LoopWatch

    lates: list[float] = []
    watch = LoopWatch(lambda late, _held: lates.append(late), every=EVERY, sleep=asyncio.sleep)
    watcher = asyncio.ensure_future(watch.run())
    await asyncio.sleep(0.02)  # the watch is running
    lates.clear()
    started = time.perf_counter()
    if one_thread:  # the Pacer's heavy renders: one render thread, one after another
        from app.refresh.pacing import Pacer

        pacer = Pacer()
        await asyncio.gather(*(pacer.run(job, heavy=True) for _ in range(copies)))
    elif thread:  # a thread each (the default executor)
        await asyncio.gather(*(asyncio.to_thread(job) for _ in range(copies)))
    else:
        for _ in range(copies):
            job()
    wall = time.perf_counter() - started
    await asyncio.sleep(0.01)  # the wake-up the job delayed is counted
    watcher.cancel()
    return Stall(wall * 1000, max(lates, default=0.0) * 1000, sum(lates) * 1000)


def large_jobs(items: int = 3000) -> dict[str, Callable[[], Any]]:
    """The renders a publish of an ``items``-item menu causes: the view (decode, flatten,
    JSON), and a board's first render (content and page)."""
    import orjson

    from app.board.options import BoardOptions
    from app.menu.filters import Filters
    from app.menu.restaurant import RestaurantInfo
    from app.refresh.loader import SnapshotLoader
    from app.sim.large import LARGE_RESTAURANT_GUID, build_large_menu
    from app.store.snapshot_record import Snapshot

    groups = max(20, items // 6)
    body = orjson.dumps(build_large_menu(items, groups, 1, LARGE_RESTAURANT_GUID))
    info = RestaurantInfo(LARGE_RESTAURANT_GUID, "Large", "America/New_York", "USD")
    snap = Snapshot(LARGE_RESTAURANT_GUID, info, b"", "", 1.0, (), b"[]", 1.0, 1.0,
                    len(body), body)
    builder = SnapshotLoader.__new__(SnapshotLoader)
    builder.escape_formulas = True
    now = time.time()
    view = SnapshotLoader.build_view(builder, snap, stale=False, now=now)
    return {"view (decode, flatten, JSON)":
            lambda: SnapshotLoader.build_view(builder, snap, stale=False, now=now),
            "board first render (content + page)":
            lambda: view.board_render((("available", "all"),), Filters(), BoardOptions(), now)}


def stalls(runs: int = 5, sizes: tuple[int, ...] = (3000, 1500, 400)) -> list[list[str]]:
    """Rows: render, where, median wall ms, median and worst longest stall, median total."""
    rows = []
    for items in sizes:
        for name, job in large_jobs(items).items():
            for where, thread in (("on the loop", False), ("asyncio.to_thread", True)):
                got = [asyncio.run(_measure(job, thread)) for _ in range(runs)]
                rows.append([f"{items:,} items: {name}", where,
                             f"{statistics.median(s.wall_ms for s in got):.0f}",
                             f"{statistics.median(s.longest_ms for s in got):.1f}",
                             f"{max(s.longest_ms for s in got):.1f}",
                             f"{statistics.median(s.late_ms for s in got):.0f}"])
    return rows


def concurrent_stalls(copies: int = 4, runs: int = 3) -> list[list[str]]:
    """Rows: ``copies`` 3,000-item views built at once, a thread each or in one thread."""
    job = large_jobs(3000)["view (decode, flatten, JSON)"]
    rows = []
    for where, one in ((f"{copies} threads at once", False), ("the Pacer's render thread", True)):
        got = [asyncio.run(_measure(job, True, copies, one)) for _ in range(runs)]
        rows.append([f"{copies} × 3,000 items: view", where,
                     f"{statistics.median(s.wall_ms for s in got):.0f}",
                     f"{statistics.median(s.longest_ms for s in got):.1f}",
                     f"{max(s.longest_ms for s in got):.1f}",
                     f"{statistics.median(s.late_ms for s in got):.0f}"])
    return rows


HEADERS = ["render", "where", "wall ms", "longest stall ms (median)",
           "longest stall ms (worst)", "loop late in all, ms"]


if __name__ == "__main__":
    from bench.report import md_table

    print(md_table(HEADERS, stalls() + concurrent_stalls()))
