"""The admin console over HTTP in tests: sign in with httpx, pull the CSRF token off a page."""

from __future__ import annotations

import re

import httpx

ADMIN = "admin-key-0123456789abcdef"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token in a console page's forms."""
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: httpx.Client, key: str = ADMIN) -> httpx.Response:
    """POST the sign-in form as the console's own page would (same Origin)."""
    return client.post("/admin/sign-in", data={"key": key},
                       headers={"Origin": str(client.base_url).rstrip("/")})


def signed_in(base_url: str) -> tuple[httpx.Client, str]:
    """A client holding a session cookie, and the session's CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=30)
    answer = sign_in(client)
    assert answer.status_code == 303, answer.text
    return client, csrf_of(client.get("/admin/").text)
