"""Which Toast endpoints have a limit of their own, besides the client-wide windows.

``/menus`` is limited to one request per second per restaurant location, and logins are
counted by IP, so the limiter spaces both (docs/toast-api.md, rate limits).
"""

from __future__ import annotations

import re

_MENUS_PATH = re.compile(r"/menus/v\d+/menus/?$")
_LOGIN_PATHS = ("/authentication/v1/authentication/login", "/usermgmt/v1/oauth/token")


def is_menus_endpoint(path: str) -> bool:
    """True for Toast's full-menu endpoint, the one limited to 1/s per location."""
    return bool(_MENUS_PATH.search(path))


def endpoint_spacing(path: str, restaurant: str | None) -> tuple[str, float] | None:
    """(spacing key, Toast's own least gap in seconds) for endpoints with a limit of their own."""
    if is_menus_endpoint(path) and restaurant is not None:
        return f"menus:{restaurant}", 1.0  # 1 request per second per location
    if path.endswith(_LOGIN_PATHS):
        return "login", 1.0  # counted by IP; never two logins in one second
    return None
