"""What an injected fault does to one call: an outage before Toast looks at the call, or a
good answer spoiled on its way out (``app.sim.faults`` holds which faults are set)."""

from __future__ import annotations

from starlette.responses import Response

from app.sim.faults import BEFORE_AUTH, GARBAGE
from app.sim.ratelimit import Decision
from app.sim.responses import ToastHTTPError
from app.sim.state import SimState

_OUTAGES = {"500": "Internal server error", "503": "Service unavailable"}
_HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
              b"<body><h1>We'll be right back</h1></body></html>")
"""What a proxy or maintenance page in front of an API answers with a 200."""


def outage(state: SimState, endpoint: str, client: str | None) -> float:
    """Raise the injected outage, if any; a "slow" fault is returned as its delay."""
    fault = state.faults.take(endpoint, BEFORE_AUTH, client)
    if fault is None:
        return 0.0
    if fault.mode == "slow":
        return fault.delay
    if fault.mode == "429":
        state.counters.rate_limited_calls += 1
        decision = Decision(False, "GLOBAL", 0, fault.retry_after, fault.retry_after)
        raise ToastHTTPError(429, "Rate limit exceeded", decision.headers(state.clock.now()))
    if fault.mode == "401":
        # As if Toast no longer knew the client's secret (rotated or revoked in Toast Web):
        # its logins are refused, and so are calls with the token it still holds.
        if endpoint == "login":
            raise ToastHTTPError(401, "Invalid client credentials")
        state.counters.unauthorized_calls += 1
        raise ToastHTTPError(401, "Authentication failed: the client's access was revoked")
    raise ToastHTTPError(int(fault.mode), _OUTAGES[fault.mode])


def spoil(state: SimState, endpoint: str, response: Response, client: str | None) -> Response:
    """A good answer as an injected garbage fault turns it (cut short, or an HTML page)."""
    fault = state.faults.take(endpoint, GARBAGE, client)
    if fault is None:
        return response
    if fault.mode == "html":
        return Response(_HTML_PAGE, status_code=response.status_code, media_type="text/html")
    body = bytes(response.body)
    return Response(body[: max(1, len(body) // 2)], status_code=response.status_code,
                    media_type="application/json")
