"""Pure helpers: medians, ratios, targets and the Markdown table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


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
