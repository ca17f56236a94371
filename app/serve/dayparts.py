"""Which of a restaurant's menus are open: what an answer showing "the menus open now"
depends on besides the menu itself (the key its cached copies are kept under)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.board.layout import next_opening
from app.menu.availability import compile_schedules, is_available, to_local, zone
from app.menu.flatten import FlatMenu


def open_menus(flat: FlatMenu, now: float) -> tuple[object, ...]:
    """Whether each menu is open at ``now`` and, with none open, the index of the next to
    open (-1: none ever opens): the board shows that one, so it is part of the key."""
    local = to_local(datetime.fromtimestamp(now, UTC), zone(flat.time_zone))
    moment: tuple[object, ...] = tuple(is_available(m.availability, local) for m in flat.menus)
    if any(moment):
        return moment
    windows = [None if m.availability is None or m.availability.alwaysAvailable
               or m.availability.schedule is None
               else compile_schedules(m.availability.schedule) for m in flat.menus]
    upcoming = next_opening(windows, local.replace(tzinfo=None))
    return (*moment, -1 if upcoming is None else upcoming[0])
