"""Schedules: menu availability and time-specific price windows, in local time.

Toast's ``Schedule`` is ``{days[], timeRanges[{start, end}]}`` with ``HH:MM``
strings in the restaurant's time zone (docs/toast-api.md, availability). Ranges are half-open
``[start, end)`` (Toast does not say; it tells operators not to let ranges
touch). A range whose end is not after its start runs past midnight into the
next day, and the listed day is the day it starts; ``00:00``-``00:00`` is all day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from app.menu.model import Availability, Schedule

_DAYS = {"MONDAY": 0, "TUESDAY": 1, "WEDNESDAY": 2, "THURSDAY": 3, "FRIDAY": 4,
         "SATURDAY": 5, "SUNDAY": 6}
_DAY_SECONDS = 86400

Window = tuple[int, int, int]
"""(weekday Monday=0, start second of day, end second of day)."""


def parse_hhmm(value: str | None) -> int | None:
    """``"15:30"`` → seconds after midnight; ``None`` for anything that is not a time."""
    if not value:
        return None
    hh, sep, rest = value.partition(":")
    mm = rest[:2]
    if not sep or not hh.isdigit() or not mm.isdigit():
        return None
    hours, minutes = int(hh), int(mm)
    if hours > 24 or minutes > 59:
        return None
    return min(hours * 3600 + minutes * 60, _DAY_SECONDS)


def compile_schedules(schedules: Iterable[Schedule | None] | None) -> tuple[Window, ...]:
    """Flatten schedules into windows; unknown days and unreadable times are skipped."""
    windows: list[Window] = []
    for schedule in schedules or ():
        if schedule is None:
            continue
        days = [_DAYS[d] for d in schedule.days or () if d in _DAYS]
        for rng in schedule.timeRanges or ():
            if rng is None:
                continue
            start, end = parse_hhmm(rng.start), parse_hhmm(rng.end)
            if start is None or end is None:
                continue
            windows.extend((day, start, end) for day in days)
    return tuple(windows)


def windows_cover(windows: Sequence[Window], local_dt: datetime) -> bool:
    """True when wall time ``local_dt`` falls in one of ``windows``."""
    weekday = local_dt.weekday()
    second = local_dt.hour * 3600 + local_dt.minute * 60 + local_dt.second
    yesterday = (weekday - 1) % 7
    for day, start, end in windows:
        if start < end:
            if day == weekday and start <= second < end:
                return True
        # end <= start: from start on the listed day, past midnight, until end.
        elif (day == weekday and second >= start) or (day == yesterday and second < end):
            return True
    return False


def schedule_covers(schedules: Iterable[Schedule | None] | None, local_dt: datetime) -> bool:
    """True when any of ``schedules`` covers the restaurant-local wall time ``local_dt``."""
    return windows_cover(compile_schedules(schedules), local_dt)


def is_available(availability: Availability | None, local_dt: datetime) -> bool:
    """Menu availability at local wall time ``local_dt``.

    A missing availability object or schedule counts as always available: Toast
    omits the schedule for ``alwaysAvailable`` menus, and hiding a menu we cannot
    judge would blank a board. An empty schedule list means no day at all.
    """
    if availability is None or availability.alwaysAvailable or availability.schedule is None:
        return True
    return schedule_covers(availability.schedule, local_dt)


def zone(name: str | None) -> tzinfo:
    """The restaurant's zone; UTC when Toast sends no zone or one this system does not know."""
    if name:
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError, UnicodeError):
            pass
    return UTC


def to_local(now: datetime, tz: tzinfo) -> datetime:
    """``now`` (aware; naive is read as UTC) as restaurant-local wall time."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(tz)


def _wall(instant: datetime, tz: tzinfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _instants(wall: datetime, tz: tzinfo) -> list[datetime]:
    """Every UTC instant at which the local clock first reads ``wall`` or later.

    Twice on the repeated hour of a fall-back day; in a spring-forward gap (wall
    time never shown) the moment the clock jumps past it.
    """
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if _wall(first, tz) == wall:
        return [first] if first == second else [first, second]
    lo, hi = min(first, second), max(first, second)
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp()) + 1
    while lo_s < hi_s:  # first second whose wall time is past the gap
        mid = (lo_s + hi_s) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), tz) >= wall:
            hi_s = mid
        else:
            lo_s = mid + 1
    return [datetime.fromtimestamp(lo_s, UTC)]


def next_change(window_sets: Iterable[Sequence[Window]], now: datetime,
                tz: tzinfo, *, horizon_days: int = 8) -> datetime | None:
    """The first instant after ``now`` at which any window set starts or stops covering.

    Returns an aware UTC datetime, or None when nothing changes within the horizon
    (a week of schedules repeats, so 8 days sees every boundary).
    """
    sets = list({tuple(ws) for ws in window_sets if ws})
    if not sets:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    today = to_local(now, tz).date()
    windows = {w for ws in sets for w in ws}
    candidates: set[datetime] = set()
    for offset in range(-1, horizon_days + 1):
        day_date: date = today + timedelta(days=offset)
        midnight = datetime.combine(day_date, time())
        for day, start, end in windows:
            if day_date.weekday() != day:
                continue
            # A window whose end is not after its start ends on the next day.
            end_offset = end if start < end else end + _DAY_SECONDS
            for second in (start, end_offset):
                wall = midnight + timedelta(seconds=second)
                candidates.update(t for t in _instants(wall, tz) if t > now)
    one = timedelta(seconds=1)
    for instant in sorted(candidates):
        before, after = to_local(instant - one, tz), to_local(instant, tz)
        if any(windows_cover(ws, before) != windows_cover(ws, after) for ws in sets):
            return instant
    return None
