"""Part i, push at scale: many ``/events`` streams on one replica and a restart under them.

For each count of streams: streams held, memory per stream, fan-out p50/p95/max,
a cached ``/menu``'s p99 without and during fan-outs and SIGTERM → exit
(``bench/streams.py``); then the same count of boards through a relay restart:
when they come back, content 304s, ``/healthz`` meanwhile (``bench/storm.py``).
The issue's goals are judged at the largest count.

``python -m bench --only i --streams 1000,5000`` runs it inside the benchmark;
``python -m bench.push 1000,5000`` alone (prints the Markdown).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench import storm, streams
from bench.report import Section, Target, fmt, md_table, pct


def _storm_targets(s: storm.Storm) -> list[Target]:
    n, p99 = s.held, pct(s.healthz_s, 0.99)
    after_ready = s.all_back_s - s.restart_s
    return [
        Target(f"all {n} boards back after a restart",
               f"{fmt(after_ready)} s after the new process answers", "<= 30 s",
               after_ready <= 30,
               f"{fmt(s.all_back_s)} s after the SIGTERM; {s.retried} boards tried while the "
               "relay was down and waited again"),
        Target(f"/healthz p99 while {n} boards come back", f"{fmt(1000 * p99)} ms",
               "<= 500 ms", p99 <= 0.5, f"{s.healthz_failed} probes failed"),
        Target(f"SIGTERM with {n} boards' streams open", f"{fmt(s.sigterm_exit_s, 2)} s",
               "<= 10 s", s.sigterm_exit_s <= 10),
        Target("board content asked again after a restart: 304", f"{fmt(100 * s.share_304)} %",
               "all (ETags equal across restarts)", s.content[304] == s.held)]


def storm_section(tmp: Path, sizes: tuple[int, ...]) -> Section:
    section = Section("i. Push at scale: a relay restarted under its boards")
    rows: list[list[str]] = []
    notes: list[str] = []
    for n in sizes:
        (tmp / f"storm-{n}").mkdir(exist_ok=True)
        s = storm.measure(tmp / f"storm-{n}", n)
        rows.append([str(n), f"{len(s.back_s)} of {s.held}", fmt(s.sigterm_exit_s, 2),
                     fmt(s.restart_s, 2), fmt(pct(s.back_s, 0.5)), fmt(pct(s.back_s, 0.95)),
                     fmt(s.all_back_s), fmt(s.all_back_s - s.restart_s), str(s.retried),
                     str(s.peak_per_second()), f"{fmt(100 * s.share_304)} %", str(s.told),
                     fmt(1000 * pct(s.healthz_s, 0.5)), fmt(1000 * pct(s.healthz_s, 0.99)),
                     f"{s.healthz_failed} of {len(s.healthz_s)}"])
        notes.append(f"{n} boards, reconnections per {storm.BUCKET:.0f} s after the SIGTERM: "
                     + ", ".join(f"{a:.0f}–{a + storm.BUCKET:.0f} s {c}"
                                 for a, c in s.buckets()) + ".")
        if s.odd_back_s:
            notes.append(f"{n} boards: content answers other than 304: "
                         + ", ".join(f"{k} × {v}" for k, v in sorted(s.content.items())
                                     if k != 304)
                         + f", from boards back at {fmt(s.odd_back_s[0], 2)}–"
                           f"{fmt(s.odd_back_s[-1], 2)} s after the SIGTERM.")
        if n == max(sizes):
            section.targets += _storm_targets(s)
    section.add(md_table(["boards", "back", "SIGTERM → exit s", "SIGTERM → answering s",
                          "back p50 s", "p95 s", "all back s", "all back after answering s",
                          "retried", "peak back /s", "content 304", "told a version",
                          "/healthz p50 ms", "p99 ms", "probes failed"], rows))
    section.add("\n\n".join(notes))
    section.add("Boards of one restaurant, each following board.js's rule (1 s + a random "
                "part of 25 s after its stream ends, the same again after a first failed "
                "try, then 30 s and more), "
                "reopening with ?lastEventId=, then one content request with If-None-Match; "
                "times from the SIGTERM; the new process starts once the old one has exited; "
                "/healthz probed every 50 ms on a new connection from another process, from "
                "the new process's first answer until the last board has its content (a "
                "failed probe counts as 5 s). \"Told a version\": reopened streams that "
                "announced an update (0 when the version is unchanged across the restart).")
    return section


def run(tmp: Path, sizes: tuple[int, ...] = (1000, 5000), rounds: int = 20) -> list[Section]:
    return [streams.run(tmp, sizes, rounds), storm_section(tmp, sizes)]


if __name__ == "__main__":
    counts = tuple(int(c) for c in (sys.argv[1] if len(sys.argv) > 1 else "1000,5000")
                   .split(","))
    with tempfile.TemporaryDirectory(prefix="toast-relay-push-") as d:
        for part in run(Path(d), counts):
            print(part.markdown() + "\n")
