"""What the refresh loop does for one restaurant: pure decisions on state, clock and event.

The loop feeds each restaurant's ``RefreshState`` and an ``Event`` (a timer
tick, a webhook, an admin refresh, a change announced by another replica) to
``decide`` and carries out the ``Plan`` it returns; the transitions below take
the state and what happened and return the next state (the state is an immutable
value: the engine keeps the newest one). Nothing here does I/O or reads a clock,
so the rules are tested table by table.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

import msgspec
from msgspec.structs import replace

from app.refresh import policy


class Event(enum.Enum):
    TICK = "tick"
    """The loop's timer: do what is due."""
    WEBHOOK = "webhook"
    """Toast said the menu changed: fetch menus now (within Toast's limits)."""
    ADMIN = "admin"
    """An operator asked: check metadata, fetch menus and stock now."""
    REMOTE = "remote"
    """Another replica stored a newer copy: take it from the shared store."""


@dataclass(frozen=True)
class Intervals:
    """How often one restaurant is checked; supplied from outside (settings, a budget plan)."""

    refresh: float
    stock: float


@dataclass(frozen=True)
class Now:
    mono: float
    wall: float


class Plan(msgspec.Struct, frozen=True, gc=False):
    """The actions for one restaurant, carried out in this order by the loop (untracked
    by the garbage collector: at a price boundary a thousand wait to be started)."""

    drop: bool = False
    """Idle: stop tracking it."""
    first_load: bool = False
    """No copy yet (a configured restaurant whose load failed): try again."""
    reload: bool = False
    """Take the newer copy another replica stored."""
    check: bool = False
    """Ask Toast's metadata whether the menus changed (fetch them if so)."""
    fetch: bool = False
    """Fetch the menus whatever metadata says."""
    stock: bool = False
    """Poll stock."""
    reprice: bool = False
    """A time-specific price flipped: re-render from the copy held."""

    @property
    def idle(self) -> bool:
        return self == NOTHING


NOTHING = Plan()


class RefreshState(msgspec.Struct, frozen=True, gc=False):
    """Per-restaurant refresh bookkeeping, all numbers (monotonic seconds unless named);
    untracked by the garbage collector, like ``Plan``: one is held per restaurant."""

    next_check: float
    next_stock: float
    pinned: bool = False
    has_view: bool = False
    loading: bool = False
    checking: bool = False
    failures: int = 0
    stock_failures: int = 0
    last_error: str | None = None
    stock_error: str | None = None
    checked_at: float = 0.0
    """Wall time Toast last confirmed the copy we hold."""
    reprice_at: float | None = None
    """Wall time the next time-specific price flips, if any."""
    not_found_until: float = 0.0
    urgent_at: float | None = None
    """When a webhook-driven ``/menus`` fetch is due (None: none pending)."""
    published_at: float | None = None
    """Wall time of the newest ``publishedDate`` a webhook announced and we lack."""
    recheck_step: int = 0
    """How many rechecks for ``published_at`` were scheduled so far."""
    undated: bool = False
    """A webhook without a readable ``publishedDate`` is waiting for a fetch."""


def decide(s: RefreshState, event: Event, now: Now, idle_after: float,
           last_requested: float) -> Plan:
    """The actions ``event`` calls for now; at most one check per restaurant at a time.

    ``last_requested`` (monotonic) is when a screen last asked: every request writes it,
    so the engine keeps it beside the state rather than in it."""
    if event is Event.TICK and policy.is_idle(last_requested, now.mono, idle_after, s.pinned):
        return Plan(drop=True)
    if event is Event.REMOTE:
        return Plan(reload=True)
    if not s.has_view:
        due = event is Event.TICK and s.pinned and now.mono >= s.next_check
        return Plan(first_load=True) if due and not s.loading else NOTHING
    if s.checking and event is Event.TICK:
        return NOTHING
    if event is Event.ADMIN:
        return Plan(check=True, fetch=True, stock=True, reprice=reprice_due(s, now))
    if event is Event.WEBHOOK:
        return Plan(fetch=True, reprice=reprice_due(s, now))
    return Plan(check=now.mono >= s.next_check, stock=now.mono >= s.next_stock,
                fetch=s.urgent_at is not None and now.mono >= s.urgent_at,
                reprice=reprice_due(s, now))


def reprice_due(s: RefreshState, now: Now) -> bool:
    return s.reprice_at is not None and now.wall >= s.reprice_at


# --- outcomes ------------------------------------------------------------------------


def first_load_retried(s: RefreshState, now: Now, iv: Intervals,
                       rng: random.Random) -> RefreshState:
    """A configured restaurant's first load is tried again, later after each failure."""
    failures = s.failures + 1
    return replace(s, failures=failures,
                   next_check=now.mono + policy.failure_delay(iv.refresh, failures, rng=rng))


def first_load_failed(s: RefreshState, exc: BaseException, *,
                      refused_until: float | None = None) -> RefreshState:
    """A first load failed; when Toast refused the restaurant, that answer is remembered
    until ``refused_until`` (monotonic) instead of asking again on every request."""
    if refused_until is None:
        return replace(s, last_error=policy.error_text(exc))
    return replace(s, last_error=policy.error_text(exc), not_found_until=refused_until)


def loaded(s: RefreshState, now: Now, iv: Intervals, *, check_now: bool,
           checked_at: float) -> RefreshState:
    """A first load gave a copy; a restored one (``check_now``) is checked at once."""
    return replace(s, has_view=True, checked_at=checked_at, failures=0,
                   next_check=now.mono if check_now else now.mono + iv.refresh,
                   next_stock=now.mono if check_now else now.mono + iv.stock,
                   not_found_until=0.0)


def checked(s: RefreshState, started: Now, finished_wall: float,
            iv: Intervals) -> RefreshState:
    """Toast confirmed (or replaced) the copy: next check one interval after this one began."""
    return replace(s, checked_at=finished_wall, failures=0, last_error=None,
                   next_check=started.mono + iv.refresh)


def check_failed(s: RefreshState, now: Now, iv: Intervals, exc: BaseException,
                 rng: random.Random) -> tuple[RefreshState, float]:
    """Anything failed: keep the copy, back off; also return the delay until the next check."""
    failures = s.failures + 1
    delay = policy.failure_delay(iv.refresh, failures, exc, rng=rng)
    return replace(s, failures=failures, last_error=policy.error_text(exc),
                   next_check=now.mono + delay), delay


def stock_polled(s: RefreshState, started: Now, iv: Intervals) -> RefreshState:
    return replace(s, stock_error=None, stock_failures=0, next_stock=started.mono + iv.stock)


def stock_failed(s: RefreshState, now: Now, iv: Intervals, exc: BaseException,
                 rng: random.Random) -> RefreshState:
    """Keep the last known stock and back off (a board flipping sold-out items back to
    available on a Toast hiccup would be worse than a minute's lag)."""
    failures = s.stock_failures + 1
    return replace(s, stock_error=policy.error_text(exc), stock_failures=failures,
                   next_stock=now.mono + policy.failure_delay(iv.stock, failures, exc,
                                                              rng=rng))


def taken_over(s: RefreshState, now: Now, iv: Intervals, checked_at: float) -> RefreshState:
    """Another replica checked: count it as our check and wait a full interval."""
    return replace(s, checked_at=max(s.checked_at, checked_at),
                   next_check=max(s.next_check, now.mono + iv.refresh))


# --- webhooks ----------------------------------------------------------------------


def webhook_heard(s: RefreshState, now: Now, held: float | None,
                  published_at: float | None) -> tuple[RefreshState, bool]:
    """A ``menus_updated`` arrived; also return True when a fetch should start now.

    An event for a publish the held copy already has does nothing. Otherwise a
    fetch is due at once; if one is running, the next starts when it ends unless
    the running one brought what the events announced: a burst of events for one
    publish costs one fetch, not fifty.
    """
    if published_at is not None and policy.is_current(held, published_at) \
            and held is not None:
        return s, False
    if published_at is not None:
        s = replace(s, published_at=max(s.published_at or 0.0, published_at))
    else:
        s = replace(s, undated=True)
    return replace(s, recheck_step=0, urgent_at=now.mono), s.has_view and not s.checking


def fetch_started(s: RefreshState) -> RefreshState:
    """A fetch begins: it covers every webhook heard so far."""
    return replace(s, urgent_at=None, undated=False)


def webhook_fetched(s: RefreshState, now: Now, held: float | None,
                    ok: bool) -> tuple[RefreshState, float | None]:
    """After a fetch made for a webhook: also the delay of the next try, or None when done.

    Toast may announce a publish before ``/menus`` serves it (docs/toast-api.md,
    menus and stock events): while the copy is older than the announced
    ``publishedDate`` (or the fetch failed), try again after 2, 5, 15, 30, 60 s;
    after that the regular checks take over.
    """
    if s.published_at is None:
        return s, None
    if ok and policy.is_current(held, s.published_at):
        # Events heard during the fetch that announced nothing newer are covered by it.
        urgent_at = s.urgent_at if s.undated else None
        return replace(s, published_at=None, recheck_step=0, urgent_at=urgent_at), None
    delay = policy.recheck_delay(s.recheck_step)
    if delay is None:
        return replace(s, published_at=None, recheck_step=0), None
    due = now.mono + delay
    return replace(s, recheck_step=s.recheck_step + 1,
                   urgent_at=due if s.urgent_at is None else min(s.urgent_at, due)), delay
