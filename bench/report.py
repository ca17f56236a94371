"""Pure helpers: medians, ratios, targets and the Markdown table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: p95 of 20 values is the 19th smallest; NaN when empty."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def fmt(value: float, digits: int = 1) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def fmt_ratio(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}×"


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; numbers are expected to be formatted already."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    goal: str
    met: bool
    note: str = ""

    def row(self) -> list[str]:
        return [self.name, self.measured, self.goal, "met" if self.met else "**not met**",
                self.note]


@dataclass
class Section:
    title: str
    body: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.body.append(text)

    def markdown(self) -> str:
        return f"## {self.title}\n\n" + "\n\n".join(self.body)


def render(title: str, preamble: Sequence[str], sections: Sequence[Section]) -> str:
    targets = [t for s in sections for t in s.targets]
    parts = [f"# {title}", *preamble]
    if targets:
        parts.append("## Targets\n\n" + md_table(
            ["target", "measured", "goal", "status", "note"], [t.row() for t in targets]))
    parts += [s.markdown() for s in sections]
    return "\n\n".join(parts) + "\n"


def histogram(text: str, name: str, having: str = "") -> dict[float, float]:
    """Cumulative bucket counts (upper bound → count) of histogram ``name`` in a
    Prometheus text answer, from the series whose labels contain ``having``."""
    out: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(f"{name}_bucket{{") and having in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def longest_and_over(before: dict[float, float], after: dict[float, float],
                     goal: float) -> tuple[float, int, int]:
    """Between two scrapes of a histogram: (upper bound of the bucket holding the largest
    observation, how many observations exceeded ``goal``, how many there were)."""
    delta = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    if not delta:
        return float("nan"), 0, 0
    total = delta[max(delta)]
    longest = next((le for le, count in delta.items() if count >= total), float("inf"))
    return longest, int(total - delta.get(goal, 0.0)), int(total)
