"""Schedules in restaurant-local time: coverage, menu availability, next price flip."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.menu.availability import (
    compile_schedules,
    is_available,
    next_change,
    parse_hhmm,
    schedule_covers,
    to_local,
    zone,
)
from app.menu.model import Availability, Schedule, TimeRange
from tests.support.menu_docs import ALL_DAYS, WEEKDAYS, schedule

NY = ZoneInfo("America/New_York")
# 2025-02-17 is a Monday.
MON, TUE, FRI, SAT, SUN = 17, 18, 21, 22, 23


def sched(days: list[str], *ranges: tuple[str, str]) -> Schedule:
    return Schedule(days=list(days), timeRanges=[TimeRange(start=s, end=e) for s, e in ranges])


def local(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2025, 2, day, hh, mm, ss)


COVERS = [
    # (label, schedules, local time, expected)
    ("start inclusive", [sched(["MONDAY"], ("15:00", "18:00"))], local(MON, 15), True),
    ("inside", [sched(["MONDAY"], ("15:00", "18:00"))], local(MON, 17, 59, 59), True),
    ("end exclusive", [sched(["MONDAY"], ("15:00", "18:00"))], local(MON, 18), False),
    ("a second early", [sched(["MONDAY"], ("15:00", "18:00"))], local(MON, 14, 59, 59), False),
    ("other day", [sched(["MONDAY"], ("15:00", "18:00"))], local(TUE, 16), False),
    ("weekday list", [sched(WEEKDAYS, ("15:00", "18:00"))], local(FRI, 16), True),
    ("weekday list, saturday", [sched(WEEKDAYS, ("15:00", "18:00"))], local(SAT, 16), False),
    ("overnight evening", [sched(["FRIDAY"], ("11:00", "02:00"))], local(FRI, 23), True),
    ("overnight after midnight", [sched(["FRIDAY"], ("11:00", "02:00"))], local(SAT, 1, 59), True),
    ("overnight end exclusive", [sched(["FRIDAY"], ("11:00", "02:00"))], local(SAT, 2), False),
    ("overnight belongs to start day",
     [sched(["FRIDAY"], ("11:00", "02:00"))], local(FRI, 1), False),
    ("overnight before start", [sched(["FRIDAY"], ("11:00", "02:00"))], local(FRI, 10, 59), False),
    ("all day start", [sched(["SUNDAY"], ("00:00", "00:00"))], local(SUN, 0), True),
    ("all day end", [sched(["SUNDAY"], ("00:00", "00:00"))], local(SUN, 23, 59, 59), True),
    ("all day next day", [sched(["SUNDAY"], ("00:00", "00:00"))], local(MON + 7, 0), False),
    ("all day day before", [sched(["SUNDAY"], ("00:00", "00:00"))], local(SAT, 23, 59), False),
    ("equal non-midnight is 24h", [sched(["SATURDAY"], ("22:00", "22:00"))],
     local(SUN, 21, 59), True),
    ("equal non-midnight ends", [sched(["SATURDAY"], ("22:00", "22:00"))], local(SUN, 22), False),
    ("second range", [sched(["MONDAY"], ("08:00", "11:00"), ("17:00", "21:00"))],
     local(MON, 17, 30), True),
    ("between ranges", [sched(["MONDAY"], ("08:00", "11:00"), ("17:00", "21:00"))],
     local(MON, 12), False),
    ("second schedule",
     [sched(["MONDAY"], ("08:00", "09:00")), sched(["TUESDAY"], ("08:00", "09:00"))],
     local(TUE, 8, 30), True),
    ("end 24:00", [sched(["MONDAY"], ("22:00", "24:00"))], local(MON, 23, 59), True),
    ("unreadable time skipped", [sched(["MONDAY"], ("8am", "5pm"))], local(MON, 12), False),
    ("unknown day skipped", [sched(["MON"], ("00:00", "00:00"))], local(MON, 12), False),
    ("no schedules", [], local(MON, 12), False),
    ("null parts tolerated", [Schedule(days=None, timeRanges=None),
                              Schedule(days=["MONDAY", None], timeRanges=[None])],
     local(MON, 12), False),
]


@pytest.mark.parametrize(("label", "schedules", "at", "expected"), COVERS,
                         ids=[c[0] for c in COVERS])
def test_schedule_covers(label: str, schedules: list[Schedule], at: datetime,
                         expected: bool) -> None:
    """Ranges are half-open [start, end), past-midnight ranges belong to their start day."""
    assert schedule_covers(schedules, at) is expected


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:00", 0), ("15:30", 55800), ("9:05", 32700), ("24:00", 86400), ("15:30:00", 55800),
    ("", None), (None, None), ("25:00", None), ("12:60", None), ("noon", None), ("12", None),
])
def test_parse_hhmm(text: str | None, seconds: int | None) -> None:
    """HH:MM strings become seconds after midnight; anything else is unreadable."""
    assert parse_hhmm(text) == seconds


AVAILABLE = [
    ("no availability object", None, local(MON, 3), True),
    ("always available", Availability(alwaysAvailable=True), local(MON, 3), True),
    ("schedule missing", Availability(alwaysAvailable=False, schedule=None), local(MON, 3), True),
    ("empty schedule", Availability(alwaysAvailable=False, schedule=[]), local(MON, 3), False),
    ("within schedule", Availability(alwaysAvailable=False,
                                     schedule=[sched(["MONDAY"], ("11:00", "22:00"))]),
     local(MON, 11), True),
    ("outside schedule", Availability(alwaysAvailable=False,
                                      schedule=[sched(["MONDAY"], ("11:00", "22:00"))]),
     local(MON, 22), False),
]


@pytest.mark.parametrize(("label", "availability", "at", "expected"), AVAILABLE,
                         ids=[a[0] for a in AVAILABLE])
def test_is_available(label: str, availability: Availability | None, at: datetime,
                      expected: bool) -> None:
    """Menus without a judgeable schedule stay visible; an empty schedule means never."""
    assert is_available(availability, at) is expected


def windows(*schedules: Schedule) -> tuple[tuple[int, int, int], ...]:
    return compile_schedules(schedules)


def utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


WINGS = windows(sched(WEEKDAYS, ("15:00", "18:00")))
NEXT = [
    ("before happy hour", [WINGS], utc(2025, 2, 17, 12), utc(2025, 2, 17, 20)),
    ("during happy hour", [WINGS], utc(2025, 2, 17, 20, 30), utc(2025, 2, 17, 23)),
    ("exactly at start", [WINGS], utc(2025, 2, 17, 20), utc(2025, 2, 17, 23)),
    ("friday evening skips weekend", [WINGS], utc(2025, 2, 21, 23, 30), utc(2025, 2, 24, 20)),
    ("summer time offset", [WINGS], utc(2025, 7, 14, 12), utc(2025, 7, 14, 19)),
    ("overnight start", [windows(sched(["FRIDAY"], ("22:00", "02:00")))],
     utc(2025, 2, 21, 12), utc(2025, 2, 22, 3)),
    ("overnight end", [windows(sched(["FRIDAY"], ("22:00", "02:00")))],
     utc(2025, 2, 22, 3, 30), utc(2025, 2, 22, 7)),
    ("adjacent all-day days flip once",
     [windows(sched(["SATURDAY", "SUNDAY"], ("00:00", "00:00")))],
     utc(2025, 2, 22, 12), utc(2025, 2, 24, 5)),
    ("every day all day never flips", [windows(sched(ALL_DAYS, ("00:00", "00:00")))],
     utc(2025, 2, 22, 12), None),
    ("no windows", [], utc(2025, 2, 22, 12), None),
    ("earliest of two sets", [WINGS, windows(sched(["MONDAY"], ("13:00", "14:00")))],
     utc(2025, 2, 17, 12), utc(2025, 2, 17, 18)),
    ("spring forward end", [windows(sched(["SUNDAY"], ("01:00", "03:30")))],
     utc(2025, 3, 9, 6, 30), utc(2025, 3, 9, 7, 30)),
    ("spring forward start in the gap", [windows(sched(["SUNDAY"], ("02:30", "05:00")))],
     utc(2025, 3, 9, 6), utc(2025, 3, 9, 7)),
    ("fall back first end", [windows(sched(["SUNDAY"], ("01:00", "01:30")))],
     utc(2025, 11, 2, 5, 10), utc(2025, 11, 2, 5, 30)),
    ("fall back repeated hour starts again", [windows(sched(["SUNDAY"], ("01:00", "01:30")))],
     utc(2025, 11, 2, 5, 40), utc(2025, 11, 2, 6)),
]


@pytest.mark.parametrize(("label", "sets", "now", "expected"), NEXT, ids=[n[0] for n in NEXT])
def test_next_change(label: str, sets: list[tuple[tuple[int, int, int], ...]], now: datetime,
                     expected: datetime | None) -> None:
    """The next instant a window opens or closes, in UTC, across DST days (New York)."""
    assert next_change(sets, now, NY) == expected


def test_next_change_reads_naive_now_as_utc() -> None:
    """A naive ``now`` is taken as UTC rather than local time."""
    assert next_change([WINGS], datetime(2025, 2, 17, 12), NY) == utc(2025, 2, 17, 20)


@pytest.mark.parametrize(("name", "expected"), [
    ("America/New_York", "America/New_York"), ("", "UTC"), (None, "UTC"),
    ("Mars/Olympus", "UTC"), ("../../etc/passwd", "UTC"),
])
def test_zone_falls_back_to_utc(name: str | None, expected: str) -> None:
    """Unknown or missing time zones read as UTC instead of failing the menu."""
    assert str(zone(name)) == expected


def test_to_local_converts_utc_to_wall_time() -> None:
    """20:30 UTC on a February Monday is 15:30 in New York."""
    assert to_local(utc(2025, 2, 17, 20, 30), NY).replace(tzinfo=None) == local(MON, 15, 30)


def test_schedule_builder_and_struct_agree() -> None:
    """The JSON builder used elsewhere produces the same windows as hand-built structs."""
    from tests.support.menu_docs import decode, document, menu

    doc = decode(document([menu("M", [], availability={
        "alwaysAvailable": False, "schedule": [schedule(["MONDAY"], ("15:00", "18:00"))]})]))
    assert doc.menus and doc.menus[0] and doc.menus[0].availability
    assert compile_schedules(doc.menus[0].availability.schedule) == windows(
        sched(["MONDAY"], ("15:00", "18:00")))
