"""The admin console (``GET /admin/``): sign-in and out, the overview, a restaurant's
history, a refresh button, and the console's own CSS and script. Screens are in
``app.api.console_screens``; the rules in docs/console.md."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.account import Account
from app.api.console_deps import (
    Checked,
    accounts_seen,
    check_origin,
    current,
    gate_of,
    html,
    read_form,
    root,
    set_cookie,
    to,
)
from app.api.deps import RelayDep, check_manages
from app.console.render import STATIC, page, static_file
from app.console.sessions import Session
from app.errors import NotFound
from app.relay import Relay
from app.serve.history import versions_json

router = APIRouter(include_in_schema=False)


def sign_in_page(request: Request, error: str = "", status: int = 200) -> Response:
    return html(page("sign_in.html", root=root(request), error=error), status)


def shell(request: Request, session: Session, **values: Any) -> dict[str, Any]:
    """What ``base.html`` needs on every signed-in page."""
    return {"root": root(request), "csrf": session.csrf, **values}


def restaurants(relay: Relay, name: str, account: Account) -> list[dict[str, Any]]:
    """The account's configured or tracked restaurants with their freshness and webhook
    figures."""
    facts = {f.guid: f.as_json() for f in account.menus.facts()}
    configured = account.settings.relay_restaurants
    aliases = {guid: alias for alias, guid in configured.items()}
    hooks: dict[str, Any] = {}
    if account.webhooks is not None:
        hooks = account.webhooks.stats.status()["restaurants"]  # type: ignore[assignment]
    out = []
    for guid in dict.fromkeys([*configured.values(), *facts]):
        if not relay.keys.manages(name, guid):
            continue  # moved to another account by a reloaded file: shown there
        fact = facts.get(guid, {})
        out.append({"guid": guid, "alias": aliases.get(guid, ""),
                    "name": fact.get("name") or aliases.get(guid) or guid,
                    "state": fact.get("state", "not loaded"),
                    "checkedAt": fact.get("checkedAt"), "fetchedAt": fact.get("fetchedAt"),
                    "lastUpdated": fact.get("lastUpdated"), "stale": fact.get("stale"),
                    "lastError": fact.get("lastError"), "webhooks": hooks.get(guid)})
    return out


def account_view(relay: Relay, name: str) -> dict[str, Any]:
    """One account's heading on the overview (token state, readiness, Toast budget,
    webhooks on or off: never the token or a secret) and its restaurants."""
    account = relay.accounts[name]
    token = account.tokens.status()
    return {"name": name, "restaurants": restaurants(relay, name, account),
            "token": {k: token.get(k) for k in ("mode", "expiresAt", "lastLogin", "error",
                                                "loginsLastHour", "loginsPerHour")},
            "readiness": relay.account_readiness(account),
            "budget": account.limiter.state()["perWindow"],
            "webhooks": account.webhooks is not None}


@router.get("/admin/")
async def console_home(request: Request, relay: RelayDep) -> Response:
    """The overview once signed in (each account the session sees, with its restaurants);
    the sign-in form before."""
    gate_of(relay)
    session = await current(request, relay)
    if session is None:
        return sign_in_page(request)
    return html(page("overview.html", **shell(
        request, session,
        accounts=[account_view(relay, name) for name in accounts_seen(relay, session)],
        refreshed=request.query_params.get("refreshed", ""))))


@router.post("/admin/sign-in")
async def sign_in(request: Request, relay: RelayDep) -> Response:
    """Check the key (throttled per client), then a new session and its cookie."""
    gate = gate_of(relay)
    check_origin(request)
    client = request.client.host if request.client else "unknown"
    verdict = await gate.throttle.attempt(client)
    if verdict.refused_for > 0:
        response = sign_in_page(request, "Too many wrong keys from this address; try again "
                                f"in {int(verdict.refused_for // 60) + 1} minutes.", 429)
        response.headers["Retry-After"] = str(int(verdict.refused_for) + 1)
        return response
    if verdict.delay:
        await relay.clock.sleep(verdict.delay)  # this request waits; nothing else does
    form = await read_form(request)
    account = gate.account_of((form.get("key") or [""])[0].strip())
    if account is None:
        return sign_in_page(request, "That is not an admin key.", 401)
    await gate.throttle.succeeded(client)
    old = await current(request, relay)
    if old is not None:
        await gate.sessions.end(old)
    _, cookie = await gate.sessions.create(account)
    response = to(request, "/admin/")
    set_cookie(request, response, cookie)
    return response


@router.post("/admin/sign-out")
async def sign_out(request: Request, relay: RelayDep, change: Checked) -> Response:
    """End the session on the server (its cookie stops working everywhere) and drop it."""
    await gate_of(relay).sessions.end(change.session)
    response = to(request, "/admin/")
    set_cookie(request, response, None)
    return response


@router.post("/admin/console/refresh/{restaurant}")
async def refresh(request: Request, relay: RelayDep, change: Checked,
                  restaurant: str) -> Response:
    """The overview's refresh button: check the restaurant now, then back to the overview."""
    guid = relay.keys.resolve(restaurant)
    check_manages(relay.keys, change.session.account, guid)
    await relay.menus.refresh(guid)
    return to(request, f"/admin/?refreshed={guid}")


@router.get("/admin/console/history/{restaurant}")
async def history(request: Request, relay: RelayDep, restaurant: str) -> Response:
    """A restaurant's change history (``/admin/changes``) as a page."""
    gate_of(relay)
    session = await current(request, relay)
    if session is None:
        return to(request, "/admin/")
    guid = relay.keys.resolve(restaurant)
    check_manages(relay.keys, session.account, guid)
    view = relay.menus.current(guid)
    zone = view.info.time_zone if view else None
    return html(page("history.html", **shell(
        request, session, guid=guid, name=view.info.name if view else guid,
        time_zone=zone, versions=versions_json(relay.menus.versions(guid), zone))))


@router.get("/admin/console/static/{name}")
async def static(name: str) -> Response:
    """The console's stylesheet and script (same origin: the CSP allows nothing else)."""
    media = STATIC.get(name)
    if media is None:
        raise NotFound(f"no console file {name[:40]!r}")
    return Response(static_file(name), media_type=media,
                    headers={"Cache-Control": "public, max-age=300"})
