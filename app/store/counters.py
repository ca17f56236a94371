"""Where the relay counts what it sent to Toast: the seam behind the upstream limiter.

Toast counts per API client (docs/toast-api.md, rate limits): 20 requests per second, 10,000 per 15
minutes, and ``GET /menus`` once per second per location. ``ClientLimits`` holds
those figures and the relay's own caps below them (the headroom), and
``SendCounter`` is the small interface that admits or refuses one send against
them. ``LocalCounter`` keeps the windows in this process; a shared implementation
(Redis, so replicas spend one budget) implements the same three members, ``claim``
atomically (one script: drop expired entries, check the three limits, record),
``usage`` from the figures its last claim returned, without I/O, and ``settle``
(a held spacing runs from the answer; see ``Claim``).

Times are compared with a small conservative margin (``_EPS``) so that float
rounding can only keep an entry counted a little longer, never forget it early:
a send at ``t`` counts in a window of ``span`` seconds while ``now - t < span +
_EPS``. Expiring and waiting use this one comparison: two different ones can
disagree by a rounding step, and a whole queue then goes out in one instant.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

from app.clock import Clock

_EPS = 1e-9
_MIN_WAIT = 1e-6  # a refusal always asks for a wait the clock can represent


@dataclass(frozen=True)
class ClientLimits:
    """Toast's per-client limits and the share of them the relay allows itself.

    Defaults: Toast allows 20/s and 10,000 per 15 minutes; the relay sends at most
    18/s and 9,500 per 15 minutes, background checks may fill 8,500 of those (the
    rest stays free for screens, webhooks and logins), and the budget planner
    aims background polling at 7,500. Once ``burst`` (9) went out in the last
    second, sends are paced (``gap``: 1/18 s apart) rather than sent in
    bursts, and per-endpoint spacing gets a 5 % margin (``/menus`` 1.05 s apart
    per location), because Toast counts arrivals, not sends.

    A call sent through ``UpstreamLimiter.sending`` keeps its spacing taken until its
    answer is back, and the spacing to the next call runs from that answer, at most
    ``unanswered_hold`` (2 s) after its claim: the answer comes after Toast counted
    the call's arrival however late the call left (a loaded host held one back
    363 ms in the chaos soak, and two claims 1.045 s apart reached Toast 0.68 s
    apart), and the hold bounds the wait for an answer that never comes (the
    replica died mid-call). See docs/toast-behaviour.md.
    """

    toast_per_second: int = 20
    toast_per_window: int = 10_000
    window: float = 900.0
    per_second: int = 18
    per_window: int = 9_500
    background_per_window: int = 8_500
    planned_per_window: int = 7_500
    spacing_margin: float = 1.05
    unanswered_hold: float = 2.0
    """Seconds a spaced call sent through ``sending`` keeps its spacing taken while its
    answer is not back; the spacing then runs from the answer (or from the hold's end)."""
    burst: int = 9
    """Sends a quiet second may take at once; past that, one per ``gap``."""

    @property
    def gap(self) -> float:
        """Least time between two sends once busy: the per-second cap spread evenly."""
        return 1.0 / self.per_second


    def __post_init__(self) -> None:
        if not 1 <= self.per_second <= self.toast_per_second:
            raise ValueError("per_second must be between 1 and Toast's per-second limit")
        if not 1 <= self.background_per_window <= self.per_window <= self.toast_per_window:
            raise ValueError("need 1 <= background_per_window <= per_window <= Toast's limit")
        if not 1 <= self.planned_per_window <= self.background_per_window:
            raise ValueError("planned_per_window must be within background_per_window")
        if self.window <= 1.0 or self.spacing_margin < 1.0:
            raise ValueError("window must exceed 1 s and spacing_margin be at least 1")
        if self.unanswered_hold < 0:
            raise ValueError("unanswered_hold must not be negative")


@dataclass(frozen=True)
class Claim:
    """One send to admit: its own spacing (if its endpoint has one) and its window cap.

    ``hold`` > 0: the spacing key stays taken up to ``hold`` seconds after the claim,
    until ``settle`` with this claim (its ``ticket``) says the answer is back; the
    spacing to the next claim then runs from that moment."""

    window_cap: int
    spacing_key: str | None = None
    spacing: float = 0.0
    hold: float = 0.0
    ticket: str = ""


@dataclass(frozen=True)
class Refusal:
    """Not now: wait ``wait`` seconds. ``client_wide`` refusals stop every claim of that
    cap or lower; the others (spacing) only hold back the claim's own key."""

    wait: float
    client_wide: bool


@dataclass(frozen=True)
class Usage:
    """Sends counted in the last second and in the last window (15 minutes)."""

    last_second: int
    last_window: int


class SendCounter(Protocol):
    async def claim(self, claim: Claim) -> Refusal | None:
        """Count one send now if every limit allows it (None), else say how long to wait."""
        ...

    def usage(self) -> Usage:
        """The latest known counts; cheap, no I/O (status pages and metrics read it)."""
        ...

    async def settle(self, claim: Claim) -> None:
        """The call admitted by ``claim`` was answered (or failed): if its hold still keeps
        its spacing key, the spacing runs from now. Never raises."""
        ...


class LocalCounter:
    """``SendCounter`` for one process: two sliding windows and a last-send map."""

    def __init__(self, clock: Clock, limits: ClientLimits) -> None:
        self._clock = clock
        self._limits = limits
        self._second: deque[float] = deque()
        self._window: deque[float] = deque()
        self._last: dict[str, float] = {}
        """Per spacing key, when its spacing runs from (ahead of now while held)."""
        self._holders: dict[str, str] = {}
        """Per held spacing key, the ticket of the claim holding it."""

    async def claim(self, claim: Claim) -> Refusal | None:
        now = self._clock.monotonic()
        self._expire(now)
        lim = self._limits
        if len(self._second) >= lim.per_second:
            return Refusal(_wait(now, self._second[0], 1.0), True)
        if len(self._second) >= lim.burst and now - self._second[-1] < lim.gap:
            # Paced once busy, not in bursts: Toast counts arrivals, and a burst sent at
            # the end of one second can arrive, delayed and bunched, in Toast's next one.
            return Refusal(max(self._second[-1] + lim.gap - now, _MIN_WAIT), True)
        if len(self._window) >= claim.window_cap:
            # The oldest send whose expiry brings the count under this cap.
            oldest = self._window[len(self._window) - claim.window_cap]
            return Refusal(_wait(now, oldest, lim.window), True)
        if claim.spacing_key is not None:
            key = claim.spacing_key
            last = self._last.get(key)
            if last is not None and now - last < claim.spacing + _EPS:
                return Refusal(_spacing_wait(now, last, claim.spacing), False)
            self._last[key] = now + claim.hold
            if claim.hold > 0:
                self._holders[key] = claim.ticket
            else:
                self._holders.pop(key, None)
        self._second.append(now)
        self._window.append(now)
        return None

    def usage(self) -> Usage:
        self._expire(self._clock.monotonic())
        return Usage(len(self._second), len(self._window))

    async def settle(self, claim: Claim) -> None:
        key = claim.spacing_key
        if key is not None and claim.ticket and self._holders.get(key) == claim.ticket:
            del self._holders[key]
            self._last[key] = self._clock.monotonic()

    def _expire(self, now: float) -> None:
        for sent, span in ((self._second, 1.0), (self._window, self._limits.window)):
            while sent and now - sent[0] >= span + _EPS:
                sent.popleft()
        # Forget spacing that no longer constrains anything, so the map stays as
        # small as the set of recently active locations.
        if len(self._last) > 64:
            self._last = {k: t for k, t in self._last.items() if now - t < 60.0}
            self._holders = {k: v for k, v in self._holders.items() if k in self._last}


def _wait(now: float, sent: float, span: float) -> float:
    return max(sent + span + _EPS - now, _MIN_WAIT)


def _spacing_wait(now: float, last: float, spacing: float) -> float:
    """How long a claim held back by its spacing waits: while the call before is still
    held (unanswered, ``last`` ahead of now), one spacing, since its answer may come back
    meanwhile and the spacing then runs from that answer; asking again that soon never
    grants later than the answer plus the spacing."""
    return spacing if last > now else _wait(now, last, spacing)
