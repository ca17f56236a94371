"""What operators see of the restaurants: per-restaurant facts, a summary, pages.

Facts keep numbers (UNIX seconds, counts) so metrics and summaries compute
with them; ISO text is made only by ``as_json`` at the edge. At 1,000
restaurants the full list is hundreds of kilobytes, so ``/admin/status``
answers with a summary and one page of entries, and ``/metrics`` falls back to
aggregates beyond a configured number of restaurants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from app.clock import iso_utc

State = Literal["ok", "stale", "loading", "unavailable"]
STATES: tuple[State, ...] = ("ok", "stale", "loading", "unavailable")
Selection = Literal["all", "problems", "ok", "stale", "loading", "unavailable"]
"""What ``?state=`` accepts: every restaurant, the problems (anything not ok, or
failing stock checks), or one state."""


@dataclass(frozen=True, slots=True)
class RestaurantFacts:
    """One restaurant as the relay holds it; times are UNIX seconds (None: not yet)."""

    guid: str
    name: str | None = None
    last_updated: str | None = None
    fetched_at: float | None = None
    checked_at: float | None = None
    stale: bool | None = None
    rows: int = 0
    last_error: str | None = None
    stock_error: str | None = None
    next_check: float | None = None
    next_stock: float | None = None
    pinned: bool = False

    @property
    def state(self) -> State:
        """ok: fresh copy; stale: last good copy while Toast fails; loading: no copy yet;
        unavailable: no copy and the last attempt failed."""
        if self.stale is None:
            return "unavailable" if self.last_error else "loading"
        return "stale" if self.stale else "ok"

    @property
    def is_problem(self) -> bool:
        return self.state != "ok" or self.stock_error is not None

    def as_json(self, account: str | None = None) -> dict[str, object]:
        """The entry of /admin/status; ``account``: the account serving it, when named."""
        entry: dict[str, object] = {
            "restaurant": self.guid,
            "state": self.state,
            "name": self.name,
            "lastUpdated": self.last_updated,
            "fetchedAt": _iso(self.fetched_at),
            "checkedAt": _iso(self.checked_at),
            "stale": self.stale,
            "rows": self.rows,
            "lastError": self.last_error,
            "stockError": self.stock_error,
            "nextCheck": _iso(self.next_check),
            "nextStockCheck": _iso(self.next_stock),
            "pinned": self.pinned,
        }
        if account is not None:
            entry["account"] = account
        return entry


def _iso(ts: float | None) -> str | None:
    return iso_utc(ts) if ts else None


def summarise(facts: Iterable[RestaurantFacts], now: float) -> dict[str, object]:
    """Counts by state, problems, rows, and the oldest confirmation, for any number."""
    states: Counter[str] = Counter()
    total = rows = pinned = problems = stock_failing = 0
    oldest_check: float | None = None
    for f in facts:
        total += 1
        states[f.state] += 1
        rows += f.rows
        pinned += f.pinned
        problems += f.is_problem
        stock_failing += f.stock_error is not None
        if f.checked_at and (oldest_check is None or f.checked_at < oldest_check):
            oldest_check = f.checked_at
    return {
        "total": total,
        **{s: states[s] for s in STATES},
        "problems": problems,
        "stockFailing": stock_failing,
        "pinned": pinned,
        "rows": rows,
        "oldestCheckedAt": _iso(oldest_check),
        "maxCheckAgeSeconds": round(now - oldest_check, 1) if oldest_check else None,
    }


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[dict[str, object]]
    offset: int
    limit: int
    matching: int

    def as_json(self, path: str, selection: str) -> dict[str, object]:
        following = self.offset + self.limit
        state = "" if selection == "all" else f"&state={selection}"
        return {
            "offset": self.offset, "limit": self.limit, "matching": self.matching,
            "state": selection,
            "next": f"{path}?offset={following}&limit={self.limit}{state}"
            if following < self.matching else None,
        }


def page(facts: Sequence[RestaurantFacts], *, selection: Selection, offset: int,
         limit: int, accounts: Mapping[str, str] | None = None) -> Page:
    """Entries ``offset``..``offset+limit`` of the selection, ordered by GUID (stable);
    ``accounts`` (GUID → account) names each entry's account."""
    chosen = [f for f in facts if _selected(f, selection)]
    chosen.sort(key=lambda f: f.guid)
    owner = accounts or {}
    return Page([f.as_json(owner.get(f.guid)) for f in chosen[offset:offset + limit]],
                offset, limit, len(chosen))


def _selected(f: RestaurantFacts, selection: Selection) -> bool:
    if selection == "all":
        return True
    if selection == "problems":
        return f.is_problem
    return f.state == selection
