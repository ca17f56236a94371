"""How close to its expiry a token is still sent."""

from __future__ import annotations

_EXPIRY_SKEW = 5.0  # a token this close to exp is not sent: it could expire in flight


def expiry_margin(refresh_window: float) -> float:
    """Seconds before ``exp`` a token is no longer sent: 5 s, or a quarter of a shorter
    refresh window, so the proactive refresh (aimed a sixth into the window) always comes
    before the token goes unused."""
    return min(_EXPIRY_SKEW, refresh_window / 4)
