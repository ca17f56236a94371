"""How far from the relay's clock a webhook's ``timestamp`` may be (docs/security.md).

The signature covers the body and its timestamp, not the moment of delivery, so a
captured delivery stays validly signed forever. De-duplication refuses a replay
while it remembers the event (30 minutes); the window refuses it after that.
Toast resends a failed delivery after 5 and then 10 more minutes, so an event up
to ``PAST`` old is taken; ``AHEAD`` allows for a clock running behind Toast's.
``PAST + AHEAD`` stays under the de-duplication memory, so every replay the window
lets through is one de-duplication still remembers.
"""

from __future__ import annotations

from app.clock import parse_iso

PAST = 20 * 60.0
AHEAD = 5 * 60.0


def outside_window(timestamp: str, now: float) -> str | None:
    """Why ``timestamp`` (ISO-8601 with an offset) is refused at ``now``; None when taken."""
    sent = parse_iso(timestamp)
    if sent is None:
        return "its timestamp is not an ISO-8601 time with an offset"
    if sent < now - PAST:
        return (f"its timestamp is {(now - sent) / 60:.0f} minutes old (more than "
                f"{PAST / 60:.0f} allowed)")
    if sent > now + AHEAD:
        return (f"its timestamp is {(sent - now) / 60:.0f} minutes ahead of the relay's "
                f"clock (more than {AHEAD / 60:.0f} allowed)")
    return None
