"""Part b: bytes → ready JSON/CSV for a large menu, and a real relay's memory holding it."""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import json
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.procs import Procs, proc_status, start_relay, start_sim
from bench.report import Section, Target, fmt, fmt_ratio, md_table, median, ratio
from bench.serving import KEY, relay_env

ITEMS, MODIFIER_GROUPS, SEED = 3000, 500, 1
MIN_BYTES = 7_000_000
RSS_LIMIT_MB = 120.0


@dataclass(frozen=True)
class Large:
    body: bytes
    items: int
    modifier_groups: int


def large_menu(guid: str) -> Large:
    from app.sim.sample import build_large_menu

    doc = build_large_menu(ITEMS, MODIFIER_GROUPS, SEED, guid)
    body = orjson.dumps(doc)
    if len(body) < MIN_BYTES:
        raise RuntimeError(f"the generated menu is only {len(body):,} bytes; need ≥ 7 MB")
    return Large(body, ITEMS, len(doc["modifierGroupReferences"]))


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


class Pipeline:
    """What the relay does from Toast's bytes to a ready view, built from real parts."""

    def __init__(self, guid: str) -> None:
        from app.config import load_settings
        from app.refresh.loader import SnapshotLoader
        from app.relay import Relay
        from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET

        settings = load_settings(env={"TOAST_API_URL": "http://127.0.0.1:9",
                                      "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
                                      "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET,
                                      "RELAY_API_KEYS": KEY})
        self._relay = Relay.build(settings)  # no I/O: only the parts are wired
        self.loader = SnapshotLoader(toast=self._relay.primary.toast,
                                     store=self._relay.primary.state.snapshots,
                                     clock=self._relay.clock)
        self.guid = guid
        self.last_sizes: tuple[int, int, int] = (0, 0, 0)

    def close(self) -> None:
        asyncio.run(self._relay.stop())

    def run(self, body: bytes) -> dict[str, float]:
        from app.menu.model import decode_menus, decode_menus_head
        from app.menu.restaurant import RestaurantInfo
        from app.store.snapshot_record import Snapshot

        now = time.time()
        t_decode, doc = _timed(lambda: decode_menus(body))
        t_head, head = _timed(lambda: decode_menus_head(body))
        info = RestaurantInfo(self.guid, "Large Test Kitchen", "America/New_York", "USD")
        snap = asyncio.run(Snapshot.of(self.guid, info, body, head.lastUpdated or "", now, [],
                                       b"[]"))

        def build() -> Any:
            view = self.loader.build_view(snap, stale=False, now=now)
            view.csv  # noqa: B018 - rendered on first use; what a CSV screen causes
            return view

        t_view, view = _timed(build)
        self.last_sizes = (len(view.json.body), len(view.csv.body), len(view.rows))
        # build_view decodes the menus itself (the fetch only reads their head).
        return {"decode": t_decode, "build_view": t_view, "total": t_head + t_view,
                **self._parts(doc, view, now)}

    def _parts(self, doc: Any, view: Any, now: float) -> dict[str, float]:
        """The pieces of ``build_view`` timed one by one (same functions it calls)."""
        from datetime import UTC, datetime

        from app.menu.flatten import flatten
        from app.menu.render import make_etag, render_csv

        t_flat, _ = _timed(lambda: flatten(doc, now=datetime.fromtimestamp(now, UTC),
                                           currency="USD"))
        t_json, _ = _timed(lambda: view._json_body(view.rows))
        t_csv, _ = _timed(lambda: render_csv(view.rows, "USD"))
        # MenuView hashes the JSON only; the CSV's ETag is derived from it.
        t_etag, _ = _timed(lambda: make_etag(view.json.body))
        return {"flatten": t_flat, "json": t_json, "csv": t_csv, "etag": t_etag}


def time_parsing(large: Large, runs: int, guid: str, profile: Path | None) -> Section:
    section = Section("b. Large menu: bytes → ready JSON + CSV, and relay memory")
    pipe = Pipeline(guid)
    samples: dict[str, list[float]] = {}
    try:
        pipe.run(large.body)  # warm imports and caches, not recorded
        for _ in range(runs):
            for name, fn in (("json.loads", lambda: json.loads(large.body)),
                             ("orjson.loads", lambda: orjson.loads(large.body))):
                gc.collect()
                samples.setdefault(name, []).append(_timed(fn)[0])
            gc.collect()
            for name, ms in pipe.run(large.body).items():
                samples.setdefault(name, []).append(ms)
        if profile is not None:
            prof = cProfile.Profile()
            prof.enable()
            pipe.run(large.body)
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
            profile.write_text(out.getvalue())
    finally:
        pipe.close()
    json_kb, csv_kb, rows = pipe.last_sizes
    base = median(samples["orjson.loads"])
    names = [("json.loads (stdlib, to dicts)", "json.loads"),
             ("orjson.loads (to dicts)", "orjson.loads"),
             ("build_view: decode + flatten + MenuView (stock, JSON, CSV, ETag)",
              "build_view"),
             ("… of which decode_menus (msgspec → typed structs)", "decode"),
             ("… of which flatten (pricing, modifier texts, rows)", "flatten"),
             ("… of which JSON encode (msgspec)", "json"),
             ("… of which render_csv", "csv"),
             ("… of which make_etag (JSON; the CSV's is derived)", "etag"),
             ("**bytes → ready** (decode_menus_head + build_view)", "total")]
    section.add(
        f"Menu: app.sim.sample.build_large_menu({ITEMS}, {MODIFIER_GROUPS}, seed={SEED}): "
        f"{len(large.body) / 1e6:.1f} MB, {large.items:,} items, {large.modifier_groups:,} "
        f"modifier groups → {rows:,} rows, {json_kb / 1e6:.1f} MB JSON + "
        f"{csv_kb / 1e6:.1f} MB CSV. In-process, {runs} runs each, interleaved; medians.")
    section.add(md_table(["step", "median ms", "min ms", "× orjson.loads"], [
        [label, fmt(median(samples[k])), fmt(min(samples[k])),
         fmt_ratio(ratio(median(samples[k]), base))] for label, k in names]))
    side = [ratio(t, o) for t, o in zip(samples["total"], samples["orjson.loads"], strict=True)]
    m = median(side)
    section.targets.append(Target("b. bytes → ready vs orjson.loads", fmt_ratio(m), "≤ 1.0×",
                                  m <= 1.0, f"{fmt(median(samples['total']))} ms vs "
                                            f"{fmt(base)} ms"))
    return section


def relay_memory(tmp: Path, section: Section, guid: str) -> None:
    from app.sim.sample import SAMPLE_RESTAURANT_GUID

    with Procs() as procs:
        sim_url = start_sim(procs, tmp)
        relay, relay_url = start_relay(procs, tmp, relay_env(sim_url))
        idle = proc_status(relay.pid)
        loaded = httpx.post(f"{sim_url}/_sim/large/{guid}", timeout=120, json={
            "items": ITEMS, "modifierGroups": MODIFIER_GROUPS, "seed": SEED}).json()
        auth = {"X-API-Key": KEY}
        small = httpx.get(f"{relay_url}/menu/{SAMPLE_RESTAURANT_GUID}", headers=auth, timeout=30)
        start = time.perf_counter()
        big = httpx.get(f"{relay_url}/menu/{guid}", headers=auth, timeout=120)
        first_load = time.perf_counter() - start
        for r in (small, big):
            r.raise_for_status()
        for g in (SAMPLE_RESTAURANT_GUID, guid):  # both formats, as screens would ask
            httpx.get(f"{relay_url}/menu/{g}?format=csv", headers=auth, timeout=30)
        held = proc_status(relay.pid)
    mb = 1024.0
    section.add(md_table(
        ["relay process (toast-relay serve)", "VmRSS MB", "VmHWM (peak) MB"],
        [["started, no menu yet", fmt(idle["VmRSS"] / mb), fmt(idle["VmHWM"] / mb)],
         [f"holding the sample menu + the large one ({loaded['bytes'] / 1e6:.1f} MB from Toast)",
          fmt(held["VmRSS"] / mb), fmt(held["VmHWM"] / mb)]]))
    section.add(f"First (cold) request for the large menu through the relay, Toast fetch "
                f"included: {first_load * 1000:,.0f} ms; answer {len(big.content) / 1e6:.1f} MB.")
    rss = held["VmRSS"] / mb
    section.targets.append(Target("b. relay resident memory holding both menus",
                                  f"{fmt(rss)} MB", f"≤ {RSS_LIMIT_MB:g} MB", rss <= RSS_LIMIT_MB,
                                  f"peak {fmt(held['VmHWM'] / mb)} MB"))


def run(tmp: Path, runs: int, profile: Path | None) -> Section:
    from app.sim.sample import LARGE_RESTAURANT_GUID as GUID

    section = time_parsing(large_menu(GUID), runs, GUID, profile)
    relay_memory(tmp, section, GUID)
    return section
