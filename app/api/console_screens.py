"""The console's screens: the list (player URLs, copy, QR), a screen's page (previews at
16:9 and 9:16, the editor), save with the version (412 → a clear message) and delete.

Saving goes through the same ``ScreenBook`` as ``PUT /admin/screens/{screen}``, so
a console edit reaches open boards like an API edit does. A session of one account sees,
edits and picks only that account's restaurants and their screens (403 otherwise);
chain-wide screens are RELAY_ADMIN_KEY's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.access import Scope
from app.api.console import shell
from app.api.console_deps import (
    Checked,
    accounts_seen,
    check_screen,
    current,
    gate_of,
    html,
    restaurant_guid,
    sees_screen,
    to,
)
from app.api.deps import RelayDep, check_manages
from app.api.screen_admin import urls
from app.config import ALL_RESTAURANTS
from app.console.editor import choices, definition, validate
from app.console.render import page, qr_svg
from app.console.sessions import EVERY_ACCOUNT, Session
from app.errors import Forbidden, RelayError, StaleVersion
from app.relay import Relay
from app.screens.model import Screen, check_name
from app.store.screens import Stored

router = APIRouter(include_in_schema=False)


def reads(relay: Relay, scope: Scope, guid: str | None) -> bool:
    """Whether a key of ``scope`` may read ``guid`` (any restaurant of its account, ``*``,
    for a chain-wide screen: ``guid`` None)."""
    if guid is None:
        return ALL_RESTAURANTS in scope
    try:
        relay.keys.authorize(scope, guid)
    except Forbidden:
        return False
    return True


def player_key(relay: Relay, guid: str | None) -> tuple[str, str] | None:
    """A screen key (RELAY_API_KEYS or an account's screen_keys) that may read ``guid``,
    and its account. Screen keys are what players hold; an admin key is never put in a
    URL."""
    for account in relay.accounts.values():
        for key in account.settings.relay_api_keys:
            try:
                scope = relay.keys.identify(key)
            except RelayError:
                continue  # a reload is replacing the keys this moment
            if reads(relay, scope, guid):
                return key, scope.account
    return None


def players(request: Request, relay: Relay, stored: Stored) -> list[dict[str, Any]]:
    """Each display's full player URL (with a screen key) and its QR code."""
    found = player_key(relay, restaurant_guid(relay, stored.screen.restaurant))
    if found is None:
        return []
    key, account = found
    host = request.headers.get("host", "")
    base = f"{request.url.scheme}://{host}{request.scope.get('root_path', '')}"
    # A chain-wide screen shows the restaurant a player names: the key's account's first.
    extra = "" if stored.screen.restaurant else (
        "&restaurant=" + next(iter(relay.accounts[account].settings.relay_restaurants), ""))
    out = []
    for path in urls(stored)["board"]:
        url = f"{base}{path}{'&' if '?' in path else '?'}key={key}{extra}"
        out.append({"url": url, "qr": qr_svg(url)})
    return out


def restaurant_options(relay: Relay, session: Session) -> list[dict[str, str]]:
    """The restaurants the session's pickers offer: its account's (every account's, each
    name followed by its account, for RELAY_ADMIN_KEY on several accounts)."""
    seen = accounts_seen(relay, session)
    options = []
    for name in seen:
        for alias, guid in relay.accounts[name].settings.relay_restaurants.items():
            info = relay.menus.info(guid)
            label = info.name if info else alias
            options.append({"ref": alias, "name": f"{label} · {name}" if len(seen) > 1
                            else label})
    return options


async def menu_rows(relay: Relay, session: Session,
                    ref: str | None) -> tuple[list[Any], str]:
    """The restaurant's live rows (stock applied), or why there are none (one outside the
    session's account: none, and Toast is not asked)."""
    if not ref:
        return [], "Pick a restaurant to choose from its menu."
    try:
        guid = relay.keys.resolve(ref)
        check_manages(relay.keys, session.account, guid)
        held = relay.menus.cached(guid)
        view = held[0] if held else (await relay.menus.view(guid))[0]
    except RelayError as exc:
        return [], f"The menu could not be read: {exc.detail}"
    return list(view.rows), ""


async def editor(request: Request, relay: Relay, *, name: str, version: int,
                 draft: dict[str, Any], errors: dict[str, str] | None = None,
                 notice: str = "", stored: Stored | None = None,
                 status: int = 200) -> Response:
    session = await current(request, relay)
    assert session is not None
    rows, menu_note = await menu_rows(relay, session, draft.get("restaurant"))
    menus, groups = choices(rows)
    positions = {kind: {v: n + 1 for n, v in enumerate(draft.get(kind) or [])}
                 for kind in ("menus", "groups", "items")}
    return html(page("screen.html", **shell(
        request, session, name=name, version=version, draft=draft, errors=errors or {},
        notice=notice, menus=menus, groups=groups, menu_note=menu_note, positions=positions,
        restaurants=restaurant_options(relay, session),
        players=players(request, relay, stored) if stored else [],
        saved=request.query_params.get("saved") == "1")), status)


def restaurant_problem(relay: Relay, session: Session, ref: str | None) -> dict[str, str]:
    """What is wrong with a screen's restaurant for this session, by form field (none: {})."""
    if ref is None:
        return {} if session.account == EVERY_ACCOUNT else {
            "restaurant": "a chain-wide screen needs RELAY_ADMIN_KEY; pick a restaurant"}
    guid = restaurant_guid(relay, ref)
    if guid is None:
        return {"restaurant": "not a restaurant this relay serves"}
    if not relay.keys.manages(session.account, guid):
        return {"restaurant": f"not a restaurant of account {session.account}"}
    return {}


@router.get("/admin/console/screens")
async def screens_list(request: Request, relay: RelayDep) -> Response:
    """Every screen the session's account sees, with its player URLs, a copy button and a
    QR code each."""
    gate_of(relay)
    session = await current(request, relay)
    if session is None:
        return to(request, "/admin/")
    listed = [{"stored": s, "players": players(request, relay, s)} for s in relay.screens.all()
              if sees_screen(relay, session, s.screen)]
    return html(page("screens.html", **shell(request, session, screens=listed,
                                             restaurants=restaurant_options(relay, session))))


@router.get("/admin/console/new")
async def new_screen(request: Request, relay: RelayDep) -> Response:
    """The editor for a new screen of ``?restaurant=``."""
    gate_of(relay)
    if await current(request, relay) is None:
        return to(request, "/admin/")
    draft = Screen().as_json()
    draft["restaurant"] = request.query_params.get("restaurant") or None
    return await editor(request, relay, name="", version=0, draft=draft)


@router.get("/admin/console/screens/{name}")
async def edit_screen(request: Request, relay: RelayDep, name: str) -> Response:
    """A screen's page: its player URLs, previews at 16:9 and 9:16, and the editor."""
    gate_of(relay)
    session = await current(request, relay)
    if session is None:
        return to(request, "/admin/")
    stored = relay.screens.get(name)
    if stored is None:
        return to(request, "/admin/console/screens")
    check_screen(relay, session, stored.screen)
    draft = stored.screen.as_json()
    if request.query_params.get("restaurant"):
        draft["restaurant"] = request.query_params["restaurant"]
    return await editor(request, relay, name=name, version=stored.version, draft=draft,
                        stored=stored)


@router.post("/admin/console/screens")
async def save_screen(request: Request, relay: RelayDep, change: Checked) -> Response:
    """Save the editor's form as the screen's next version (If-Match: the version it was
    based on); problems are shown next to their fields, a conflict as a message."""
    form = change.form
    name = (form.get("name") or [""])[0].strip()
    version_text = (form.get("version") or ["0"])[0]
    version = int(version_text) if version_text.isdigit() else 0
    held = relay.screens.get(name)
    if held is not None:
        check_screen(relay, change.session, held.screen)
    rows, _ = await menu_rows(relay, change.session,
                              (form.get("restaurant") or [""])[0].strip())
    menus, groups = choices(rows)
    draft = definition(form, menus, [g.name for g in groups],
                       [i.guid for g in groups for i in g.items])
    screen, errors = validate(draft)
    try:
        check_name(name)
    except RelayError:
        errors["name"] = "1-40 lower-case letters, digits or '-'"
    errors.update(restaurant_problem(relay, change.session, draft["restaurant"]))
    stored = relay.screens.get(name) if not errors.get("name") else None
    if errors or screen is None:
        return await editor(request, relay, name=name, version=version, draft=draft,
                            errors=errors, stored=stored, status=422)
    try:
        await relay.screens.put(name, screen, version)
    except StaleVersion:
        stored = relay.screens.get(name)
        have = stored.version if stored else 0
        notice = (f"Not saved: a screen named {name!r} already exists; pick another name."
                  if version == 0 else
                  f"Not saved: screen {name!r} was deleted meanwhile." if have == 0 else
                  f"Not saved: someone else changed screen {name!r} meanwhile (it is now at "
                  f"version {have}; yours was based on version {version}). Open it again "
                  "to see their change, then make yours.")
        return await editor(request, relay, name=name, version=version, draft=draft,
                            notice=notice, stored=stored, status=412)
    return to(request, f"/admin/console/screens/{name}?saved=1")


@router.post("/admin/console/screens/{name}/delete")
async def delete_screen(request: Request, relay: RelayDep, change: Checked,
                        name: str) -> Response:
    """Delete the screen (at the version shown); its players then get 404."""
    version_text = (change.form.get("version") or [""])[0]
    held = relay.screens.get(name)
    if held is not None:
        check_screen(relay, change.session, held.screen)
    try:
        await relay.screens.delete(name, int(version_text) if version_text.isdigit() else None)
    except StaleVersion:
        return to(request, f"/admin/console/screens/{name}")
    return to(request, "/admin/console/screens")
