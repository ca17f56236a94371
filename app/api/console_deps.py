"""What every console route shares: the signed-in session and what its account sees,
the CSRF guard, the form, and the headers of a console page (docs/console.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from app.api.deps import RelayDep
from app.console import csrf
from app.console.gate import Gate
from app.console.render import CONSOLE_CSP
from app.console.sessions import COOKIE, EVERY_ACCOUNT, SESSION_SECONDS, Session
from app.errors import Forbidden, NotFound, PayloadTooLarge, RelayError, Unauthorized
from app.relay import Relay
from app.screens.model import Screen

MAX_FORM = 512 * 1024
PAGE_HEADERS = {"Content-Security-Policy": CONSOLE_CSP, "X-Frame-Options": "DENY",
                "Cache-Control": "no-store",
                # Not the relay's usual no-referrer: under it a browser sends "Origin: null"
                # on a form POST, and the CSRF check needs the real origin. Player URLs on
                # these pages carry a screen key: same-origin keeps it off other sites.
                "Referrer-Policy": "same-origin"}


def gate_of(relay: Relay) -> Gate:
    """The console's gate; 404 when the admin console is off (no admin key at all)."""
    if relay.console is None or not relay.console.enabled:
        raise NotFound("the admin console is off; set RELAY_ADMIN_KEY (or an account's "
                       "admin_key) to use it")
    return relay.console


def root(request: Request) -> str:
    root_path: str = request.scope.get("root_path", "")
    return root_path


def html(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers=PAGE_HEADERS)


def to(request: Request, path: str) -> Response:
    """303 to a console path (after a POST: the browser then GETs it)."""
    return RedirectResponse(root(request) + path, status_code=303,
                            headers={"Cache-Control": "no-store"})


def set_cookie(request: Request, response: Response, value: str | None) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, path /admin, Secure over https.

    The scheme is the one uvicorn resolved: it honours X-Forwarded-Proto only from
    RELAY_TRUSTED_PROXIES (``--forwarded-allow-ips``), so nobody else can set it."""
    response.set_cookie(COOKIE, value or "", max_age=SESSION_SECONDS if value else 0,
                        path=f"{root(request)}/admin", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


async def current(request: Request, relay: Relay) -> Session | None:
    """The live session the request's cookie names (None: sign in first). A session of an
    account that a reloaded accounts file removed is over."""
    session = await gate_of(relay).sessions.find(request.cookies.get(COOKIE))
    if session is None or session.account not in (EVERY_ACCOUNT, *relay.accounts):
        return None
    return session


def accounts_seen(relay: Relay, session: Session) -> list[str]:
    """The accounts a session shows: its own, or every one (``default`` first) for
    RELAY_ADMIN_KEY."""
    return [name for name in relay.accounts if session.account in (EVERY_ACCOUNT, name)]


def restaurant_guid(relay: Relay, ref: str | None) -> str | None:
    """The GUID of a screen's restaurant reference; None for none or one no longer served."""
    try:
        return relay.keys.resolve(ref) if ref else None
    except RelayError:
        return None


def sees_screen(relay: Relay, session: Session, screen: Screen) -> bool:
    """Whether a session may see and edit ``screen``: one of its account's restaurants
    (a chain-wide screen, or one whose restaurant is gone: RELAY_ADMIN_KEY only)."""
    if session.account == EVERY_ACCOUNT:
        return True
    guid = restaurant_guid(relay, screen.restaurant)
    return guid is not None and relay.keys.manages(session.account, guid)


def check_screen(relay: Relay, session: Session, screen: Screen) -> None:
    """403 unless the session may see and edit ``screen``."""
    if not sees_screen(relay, session, screen):
        raise Forbidden("this screen belongs to another account; sign in with that "
                        "account's admin_key or RELAY_ADMIN_KEY")


async def read_form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > MAX_FORM:
        raise PayloadTooLarge(f"a console form is at most {MAX_FORM // 1024} KiB")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def check_origin(request: Request) -> None:
    """403 unless the request names this origin (sign-in has no session token yet)."""
    csrf.check("-", "-", scheme=request.url.scheme, host=request.headers.get("host", ""),
               origin=request.headers.get("origin"), referer=request.headers.get("referer"))


class Change:
    """A state-changing console request: its session and its form, once the CSRF token
    and the origin were checked (401 without a session, 403 without both checks)."""

    def __init__(self, session: Session, form: dict[str, list[str]]) -> None:
        self.session = session
        self.form = form


async def checked_change(request: Request, relay: RelayDep) -> Change:
    session = await current(request, relay)
    if session is None:
        raise Unauthorized("sign in to the console first (GET /admin/)")
    form = await read_form(request)
    csrf.check(session.csrf, (form.get("csrf") or [""])[0],
               scheme=request.url.scheme, host=request.headers.get("host", ""),
               origin=request.headers.get("origin"), referer=request.headers.get("referer"))
    return Change(session, form)


Checked = Annotated[Change, Depends(checked_change)]
"""A POST handler takes ``change: Checked``: it runs only after the CSRF checks."""
