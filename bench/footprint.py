"""Part d, in-process: what one restaurant keeps in memory, piece by piece (tracemalloc).

A relay on a fake clock loads ``N`` restaurants from an in-process simulator
(``/_sim/fleet``: ~150-item menus); Python's allocation tracer measures what the
relay holds per restaurant once they are loaded, and how much of it is each
piece. Exact and repeatable (allocations, not RSS), so it shows the split
that the real-process RSS figure cannot.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from dataclasses import dataclass
from typing import Any

import httpx

from bench.many import ITEMS, MODIFIER_GROUPS
from bench.serving import KEY

MiB = 1024 * 1024


def _held() -> int:
    """Bytes currently allocated, leaving out the in-process simulator's own."""
    gc.collect()
    snap = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, "*/app/sim/*")])
    return sum(s.size for s in snap.statistics("filename"))


@dataclass(frozen=True)
class Footprint:
    n: int
    per_restaurant: float
    """Bytes allocated per restaurant with JSON answers rendered (what screens read)."""
    with_csv: float
    """... once every restaurant's CSV was asked for too."""
    parts: dict[str, float]
    """Bytes per restaurant by piece (see ``_parts``)."""


def _parts(view: Any, snap: Any) -> dict[str, float]:
    return {
        "Toast's bytes (compressed)": len(snap.menus_z) + len(snap.stock_body),
        "JSON answer": len(view.json.body),
        "CSV answer (once asked for)": len(view.csv.body),
    }


async def measure(n: int) -> Footprint:
    from app.clock import FakeClock
    from app.config import load_settings
    from app.relay import Relay
    from app.sim.app import create_sim_app
    from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET
    from app.sim.state import SimState

    clock = FakeClock()
    state = SimState(clock=clock)
    guids = state.load_fleet(n, ITEMS, MODIFIER_GROUPS, 1)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sim_app(state)),
                             base_url="http://toast.sim")
    relay = Relay.build(load_settings(env={
        "TOAST_API_URL": "http://toast.sim", "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET, "RELAY_API_KEYS": KEY}),
        clock=clock, http=http)
    try:
        await relay.primary.menus.view(guids[0])  # imports, token, caches: not counted
        for guid in guids[:1]:
            (await relay.primary.menus.view(guid))[0].csv  # noqa: B018
        tracemalloc.start()
        before = _held()
        loading = asyncio.gather(*(relay.primary.menus.view(g) for g in guids[1:]))
        while not loading.done():  # first loads wait on the limiter's (fake) clock
            await clock.advance(0.1)
        after = _held()
        views = [v for v, _ in loading.result()]
        for v in views:
            v.csv  # noqa: B018 - rendered on first use
        with_csv = _held()
        tracemalloc.stop()
        t = relay.primary.menus._tracked[guids[-1]]
        assert t.view is not None and t.snapshot is not None
        parts = _parts(t.view, t.snapshot)
    finally:
        await http.aclose()
    loaded = len(guids) - 1
    return Footprint(n, (after - before) / loaded, (with_csv - before) / loaded, parts)


def run(n: int) -> Footprint:
    return asyncio.run(measure(n))
