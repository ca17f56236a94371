"""``python -m bench``: serving, parsing, Toast-call, board, many-restaurant, screen, push
and account figures.

Writes the Markdown table to bench/results/latest.md and prints it. ``--quick``
is a smoke run; ``--only a,c`` runs some parts; ``--sizes`` sets part g's counts,
``--streams`` part i's, ``--accounts`` part j's.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    accounts,
    board,
    freshness,
    many,
    parsing,
    polls,
    push,
    replicas,
    screens,
    serving,
)
from bench.load import LoadGenerator
from bench.report import Section, render

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")


def _parts(raw: str) -> list[str]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if p not in PARTS]
    if bad or not parts:
        raise argparse.ArgumentTypeError(f"expected a, b, c, d, e, f, g, h, i, j or a comma list, "
                                         f"got {raw!r}")
    return parts


def _sizes(raw: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(p) for p in raw.split(",") if p.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 2:
        raise argparse.ArgumentTypeError(f"expected a comma list of counts >= 2, got {raw!r}")
    return sizes


def _accounts(raw: str) -> tuple[int, int]:
    count, _, each = raw.lower().partition("x")
    if not (count.strip().isdigit() and each.strip().isdigit()) or int(count) < 2 or int(
            each) < 1:
        raise argparse.ArgumentTypeError(f"expected ACCOUNTSxRESTAURANTS with at least 2 "
                                         f"accounts, e.g. 3x200, got {raw!r}")
    return int(count), int(each)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: short durations")
    p.add_argument("--only", type=_parts, default=list(PARTS), metavar="a|b|...|j",
                   help="run only these parts (comma list)")
    p.add_argument("--seconds", type=float, help="seconds per load run (default 4; quick 1)")
    p.add_argument("--reps", type=int, help="load repetitions (default 3; quick 1)")
    p.add_argument("--runs", type=int, help="parse runs for part b (default 9; quick 3)")
    p.add_argument("--polls", type=int, help="screen polls for part c (default 10000; "
                                             "quick 2000)")
    p.add_argument("--sizes", type=_sizes, help="part g: restaurant counts (default "
                                                 "100,500,1000; quick 20)")
    p.add_argument("--streams", type=_sizes, help="part i: open /events streams (boards) per "
                                                   "run (default 1000,5000; quick 200)")
    p.add_argument("--accounts", type=_accounts, metavar="AxN",
                   help="part j: accounts x restaurants each (default 3x200; quick 3x20)")
    p.add_argument("--rounds", type=int, help="part i: fan-out rounds per size (default 20; "
                                              "quick 5)")
    p.add_argument("--publishes", type=int, help="publishes each way for part f (default 20; "
                                                 "quick 5)")
    p.add_argument("--edits", type=int, help="screen edits timed in part h (default 20; "
                                             "quick 5)")
    p.add_argument("--updates", type=int, help="part e: re-prices per board in Chromium "
                                                "(default 200; quick 40; 3,000 items: 1/20)")
    p.add_argument("--board-baseline", type=Path, metavar="DIR",
                   help="part e: also measure in Chromium a relay run from this source tree "
                        "(e.g. a git worktree of the previous commit), board by board")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--diagnose", action="store_true",
                   help="part a: also measure relay variants (access log off; routes on bare "
                        "Starlette) at the lowest connection count")
    p.add_argument("--profile", action="store_true",
                   help="also write a cProfile of one part-b pipeline run to results/")
    p.add_argument("--out", type=Path, default=RESULTS / "latest.md")
    return p


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    quick = a.quick
    seconds = a.seconds or (1.0 if quick else 4.0)
    reps = a.reps or (1 if quick else 3)
    runs = a.runs or (3 if quick else 9)
    n_polls = a.polls or (2000 if quick else 10_000)
    RESULTS.mkdir(exist_ok=True)
    started = time.monotonic()
    sections: list[Section] = []
    with tempfile.TemporaryDirectory(prefix="toast-relay-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        if "a" in a.only:
            print("part a: serving (wrk) ...", file=sys.stderr, flush=True)
            (tmp / "a").mkdir()
            load = LoadGenerator(tmp / "a", threads=a.wrk_threads)
            sections.append(serving.run(tmp / "a", serving.Config(seconds, reps, (32, 128),
                                                                 a.diagnose),
                                        load))
        if "b" in a.only:
            print("part b: large menu ...", file=sys.stderr, flush=True)
            (tmp / "b").mkdir()
            profile = RESULTS / "profile-b.txt" if a.profile else None
            sections.append(parsing.run(tmp / "b", runs, profile))
        if "c" in a.only:
            print("part c: Toast calls in virtual time ...", file=sys.stderr, flush=True)
            sections.append(polls.run(n_polls, 600.0, 60.0))
        if "d" in a.only:
            print("part d: replicas (1 vs 3, with and without Redis) ...", file=sys.stderr,
                  flush=True)
            (tmp / "d").mkdir()
            sections.append(replicas.run(tmp / "d", 12.0 if quick else 30.0,
                                         1 if quick else 3))
        if "e" in a.only:
            print("part e: the board ...", file=sys.stderr, flush=True)
            (tmp / "e").mkdir()
            config = board.Config(seconds, reps, a.updates or (40 if quick else 200),
                                  3 if quick else 9, 2 if quick else 3, a.board_baseline)
            sections.append(board.run(tmp / "e", config, LoadGenerator(
                tmp / "e", threads=a.wrk_threads)))
        if "f" in a.only:
            print("part f: publish to screen, webhooks vs polling ...", file=sys.stderr,
                  flush=True)
            (tmp / "f").mkdir()
            sections.append(freshness.run(tmp / "f", a.publishes or (5 if quick else 20)))
        if "g" in a.only:
            print("part g: many restaurants ...", file=sys.stderr, flush=True)
            sizes = a.sizes or ((20,) if quick else (100, 500, 1000))
            sections.append(many.run(tmp / "g", many.Config(sizes, 5.0 if quick else 30.0,
                                                             10 if quick else 30)))
        if "h" in a.only:
            print("part h: stored screens ...", file=sys.stderr, flush=True)
            (tmp / "h").mkdir()
            sections.append(screens.run(tmp / "h", screens.Config(
                seconds, reps, a.edits or (5 if quick else 20)),
                LoadGenerator(tmp / "h", threads=a.wrk_threads)))
        if "i" in a.only:
            print("part i: push at scale (streams, fan-out, restart storm) ...",
                  file=sys.stderr, flush=True)
            (tmp / "i").mkdir()
            counts = a.streams or ((200,) if quick else (1000, 5000))
            sections += push.run(tmp / "i", counts, a.rounds or (5 if quick else 20))
        if "j" in a.only:
            print("part j: accounts (several Toast clients on one relay) ...",
                  file=sys.stderr, flush=True)
            n_accounts, each = a.accounts or ((3, 20) if quick else (3, 200))
            sections.append(accounts.run(tmp / "j", accounts.Config(
                n_accounts, each, 15.0 if quick else 120.0, 15.0 if quick else 60.0)))
    elapsed = time.monotonic() - started
    cmd = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    preamble = [
        f"`{cmd.strip()}` on {platform.node()} ({os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{elapsed:.0f} s{' (quick: smoke figures only)' if quick else ''}."]
    text = render("toast-relay benchmark", preamble, sections)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text)
    print(text)
    print(f"written to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
