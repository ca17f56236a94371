"""What the soak saw, and the invariants over it, counted per fault kind (pure: no I/O).

Screens, boards and webhook senders add what they got; the orchestrator marks each
fault's phase (start, end of the fault, end of the wait for every replica to catch
up) with the simulator's counters at both ends. ``tally`` turns that into one row of
counts per fault kind; ``violations`` names each broken invariant with its count.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

FRESH = 10.0
"""Seconds after a fault ends (or after the publish, if later) by which every answer must
show the publish: two 1 s check intervals, a lease (2.5 s) running out and a fetch, twice
over. The issue's failure was a publish that reached no replica within 10 s."""
QUIET = "quiet"


@dataclass(frozen=True)
class Answer:
    """One screen answer: ``status`` 0 is no answer at all; ``version`` None a price no
    publish set (a wrong price)."""

    at: float
    replica: int
    status: int
    rows: int
    version: int | None


@dataclass(frozen=True)
class SimCounts:
    """The simulator's counters that the invariants read (``/_sim/calls``)."""

    logins: int = 0
    tokens_issued: int = 0
    revocations: int = 0
    refused: int = 0
    repeats: int = 0
    injected_429: int = 0
    earned_429: int = 0

    @classmethod
    def from_calls(cls, calls: dict[str, Any]) -> SimCounts:
        limited, over = int(calls["rate_limited_calls"]), int(calls["over_limit_calls"])
        return cls(int(calls["calls"].get("login", 0)), int(calls["tokens_issued"]),
                   int(calls["revocations"]), int(calls["refused_token_calls"]),
                   int(calls["refused_token_repeats"]), limited - over, over)

    def minus(self, other: SimCounts) -> SimCounts:
        return SimCounts(*(getattr(self, f.name) - getattr(other, f.name)
                           for f in fields(self)))


@dataclass
class Phase:
    kind: str
    start: float
    sim_before: SimCounts
    fault_end: float | None = None
    end: float | None = None
    sim_after: SimCounts | None = None


@dataclass(frozen=True)
class Publish:
    version: int
    at: float
    phase: int


@dataclass
class Row:
    """Counts for one fault kind (or the quiet time between faults, or the total)."""

    answers: int = 0
    failed: int = 0
    empty: int = 0
    wrong: int = 0
    old: int = 0
    refused: int = 0
    repeats: int = 0
    injected_429: int = 0
    earned_429: int = 0
    logins: int = 0
    missed_replica: int = 0
    missed_board: int = 0
    webhooks_acted_again: int = 0
    webhooks_failed: int = 0

    def add(self, other: Row) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Ledger:
    replicas: int
    boards: int
    fresh: float = FRESH
    answers: list[Answer] = field(default_factory=list)
    board_views: list[tuple[float, int, int | None]] = field(default_factory=list)
    receipts: list[tuple[float, str, str]] = field(default_factory=list)
    """(when, event GUID, result: accepted, duplicate, ignored, or the HTTP status)."""
    phases: list[Phase] = field(default_factory=list)
    publishes: list[Publish] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- recording (from several threads) -----------------------------------

    def answer(self, a: Answer) -> None:
        with self._lock:
            self.answers.append(a)

    def board_view(self, at: float, board: int, version: int | None) -> None:
        with self._lock:
            self.board_views.append((at, board, version))

    def receipt(self, at: float, event: str, result: str) -> None:
        with self._lock:
            self.receipts.append((at, event, result))

    def begin(self, kind: str, at: float, sim: SimCounts) -> None:
        self.phases.append(Phase(kind, at, sim))

    def fault_over(self, at: float) -> None:
        self.phases[-1].fault_end = at

    def end(self, at: float, sim: SimCounts) -> None:
        self.phases[-1].end, self.phases[-1].sim_after = at, sim

    def published(self, version: int, at: float) -> None:
        self.publishes.append(Publish(version, at, len(self.phases) - 1))

    # --- reading -------------------------------------------------------------

    def caught_up(self, version: int, since: float, live: set[int]) -> bool:
        """Every live replica answered, and every board showed, ``version`` or later."""
        with self._lock:
            replicas = {a.replica for a in self.answers
                        if a.at >= since and a.version is not None and a.version >= version}
            boards = {b for at, b, v in self.board_views
                      if at >= since and v is not None and v >= version}
        return live <= replicas and len(boards) == self.boards

    def _kind_at(self, at: float) -> str:
        for p in self.phases:
            if p.start <= at < (p.end if p.end is not None else float("inf")):
                return p.kind
        return QUIET

    def _deadline(self, pub: Publish) -> float:
        fault_end = self.phases[pub.phase].fault_end
        return max(pub.at, fault_end if fault_end is not None else pub.at) + self.fresh

    def tally(self, total: SimCounts, finished: float) -> dict[str, Row]:
        """One row per fault kind in the order they ran, then ``quiet`` and ``total``."""
        rows = {p.kind: Row() for p in self.phases}
        rows[QUIET] = Row()
        deadlines = [self._deadline(p) for p in self.publishes]
        for a in self.answers:
            row = rows[self._kind_at(a.at)]
            row.answers += 1
            row.failed += a.status != 200
            row.empty += a.status == 200 and a.rows == 0
            row.wrong += a.status == 200 and a.rows > 0 and a.version is None
            due = bisect.bisect_right(deadlines, a.at)  # publishes that must show by now
            if a.version is not None and due and self.publishes[due - 1].version > a.version:
                rows[self.phases[self.publishes[due - 1].phase].kind].old += 1
        self._missed(rows, finished)
        for at, _, result in self.receipts:
            row = rows[self._kind_at(at)]
            row.webhooks_failed += result not in ("accepted", "duplicate", "ignored")
        acted = Counter(event for _, event, result in self.receipts if result == "accepted")
        first: dict[str, float] = {}
        for at, event, _ in sorted(self.receipts):
            first.setdefault(event, at)
        for event, n in acted.items():
            rows[self._kind_at(first[event])].webhooks_acted_again += n - 1
        spent = SimCounts()
        for p in self.phases:
            if p.sim_after is not None:
                delta = p.sim_after.minus(p.sim_before)
                spent = SimCounts(*(getattr(spent, f.name) + getattr(delta, f.name)
                                    for f in fields(spent)))
                _sim_into(rows[p.kind], delta)
        _sim_into(rows[QUIET], total.minus(spent))
        rows["total"] = Row()
        for kind, row in list(rows.items()):
            if kind != "total":
                rows["total"].add(row)
        return rows

    def _missed(self, rows: dict[str, Row], finished: float) -> None:
        """A publish not shown by a replica (or board) before the next publish was made."""
        for i, pub in enumerate(self.publishes):
            until = self.publishes[i + 1].at if i + 1 < len(self.publishes) else finished
            replicas = {a.replica for a in self.answers if a.at < until
                        and a.version is not None and a.version >= pub.version}
            boards = {b for at, b, v in self.board_views
                      if at < until and v is not None and v >= pub.version}
            row = rows[self.phases[pub.phase].kind]
            row.missed_replica += self.replicas - len(replicas)
            row.missed_board += self.boards - len(boards)


def _sim_into(row: Row, d: SimCounts) -> None:
    row.refused += d.refused
    row.repeats += d.repeats
    row.injected_429 += d.injected_429
    row.earned_429 += d.earned_429
    row.logins += d.logins


def logins_allowed(elapsed: float, token_lifetime: float, refresh_window: float,
                   revocations: int) -> int:
    """One login per token (a new one each ``lifetime − window`` seconds) plus one per
    revocation: the first token, each proactive refresh, each revocation."""
    return 1 + int(elapsed // (token_lifetime - refresh_window)) + revocations


def violations(total: Row, allowed_logins: int) -> list[str]:
    """Each broken invariant, with its count; empty when the soak held every promise."""
    checks = [
        ("failed or empty screen answers", total.failed + total.empty, 0),
        ("answers with a price no publish set", total.wrong, 0),
        ("answers older than a publish due by then", total.old, 0),
        ("calls repeating a token Toast had refused", total.repeats, 0),
        ("429s the relay earned by breaking a limit", total.earned_429, 0),
        ("logins", total.logins, allowed_logins),
        ("publishes a replica never showed", total.missed_replica, 0),
        ("publishes a board never showed", total.missed_board, 0),
        ("webhook events acted on again by another replica", total.webhooks_acted_again, 0),
        ("webhook deliveries answered with an error", total.webhooks_failed, 0),
    ]
    return [f"{what}: {n} (allowed {limit})" for what, n, limit in checks if n > limit]


COLUMNS = (("answers", "answers"), ("failed", "failed"), ("empty", "empty"),
           ("wrong", "wrong"), ("old", "old"), ("refused", "refused"), ("repeat", "repeats"),
           ("429inj", "injected_429"), ("429relay", "earned_429"), ("logins", "logins"),
           ("miss_r", "missed_replica"), ("miss_b", "missed_board"),
           ("wh_again", "webhooks_acted_again"), ("wh_err", "webhooks_failed"))


def table(rows: dict[str, Row]) -> str:
    """The counts as a fixed-width text table, one line per fault kind."""
    head = f"{'fault':<18}" + "".join(f"{title:>9}" for title, _ in COLUMNS)
    lines = [head]
    for kind, row in rows.items():
        lines.append(f"{kind:<18}" + "".join(f"{getattr(row, name):>9}" for _, name in COLUMNS))
    return "\n".join(lines)
