"""``toast-relay check``: validate the settings and show what the relay would serve.

It uses the token saved in ``RELAY_DATA_DIR`` while that is valid, so running it
while debugging costs none of Toast's two logins an hour; ``--login`` forces one
(to test the credentials themselves) and does not replace the saved token.

With RELAY_ACCOUNTS_FILE each account is checked in turn under its name, or only the one
``--account NAME`` picks (docs/accounts.md).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from app.clock import SystemClock
from app.config import DEFAULT_ACCOUNT, Settings
from app.discover import Discovery, discover
from app.errors import ConfigError, ToastError
from app.toast.client import RetryPolicy, ToastClient, make_http_client
from app.toast.limiter import UpstreamLimiter
from app.toast.token import TokenManager


def accounts_to_check(accounts: Mapping[str, Settings], wanted: str | None,
                      accounts_file: Path | None) -> dict[str, Settings]:
    """The accounts ``check`` looks at: all of them, or the one ``--account`` names
    (``ConfigError`` listing the known names for any other)."""
    if wanted is None:
        return dict(accounts)
    if wanted in accounts:
        return {wanted: accounts[wanted]}
    if accounts_file is None:
        raise ConfigError(f"--account {wanted[:60]!r}: RELAY_ACCOUNTS_FILE is not set, so the "
                          f"only account is {DEFAULT_ACCOUNT!r}; set it to the accounts file "
                          "(docs/accounts.md)")
    raise ConfigError(f"--account {wanted[:60]!r} is not in RELAY_ACCOUNTS_FILE "
                      f"{accounts_file}; the accounts are: {', '.join(accounts)}")


async def run_checks(accounts: Mapping[str, Settings], out: TextIO = sys.stdout, *,
                     force_login: bool = False) -> int:
    """``run_check`` for each account in turn, each under a heading with its name; exit
    code 1 when any account failed (the last line names them)."""
    failed = []
    for name, settings in accounts.items():
        print(f"== account {name}", file=out, flush=True)
        if await run_check(settings, out, force_login=force_login):
            failed.append(name)
        print(file=out, flush=True)
    if failed:
        print(f"{len(failed)} of {len(accounts)} account(s) failed: {', '.join(failed)}",
              file=out)
    return 1 if failed else 0


async def run_check(settings: Settings, out: TextIO = sys.stdout, *,
                    force_login: bool = False) -> int:
    """Exit code 0 when login and every configured restaurant work, else 1."""
    # check prints its own lines; the token manager's log records would repeat them.
    logging.getLogger().addHandler(logging.NullHandler())
    clock = SystemClock()
    http = make_http_client(settings.toast_timeout)
    limiter = UpstreamLimiter(clock)
    # Without a token file (``--login``) the manager holds none, so it logs in.
    saved = {"token_file": None} if force_login else {}
    tokens = TokenManager.from_settings(settings, http, clock, limiter, **saved)
    toast = ToastClient(http=http, base_url=settings.toast_api_url, tokens=tokens,
                        limiter=limiter, clock=clock,
                        retry=RetryPolicy(attempts=2, base=0.5, cap=2.0, max_retry_after=5.0))
    failed = 0
    try:
        try:
            await tokens.get_token()
        except ToastError as exc:
            print(f"FAIL login to {settings.toast_api_url}: {exc.detail}", file=out)
            return 1
        print(_token_line(settings, tokens.status(), force_login), file=out)
        if not settings.relay_restaurants:
            print("note RELAY_RESTAURANTS is empty: screens may ask for any GUID their key "
                  "allows", file=out)
        for alias, guid in settings.relay_restaurants.items():
            label = guid if alias == guid else f"{alias} ({guid})"
            try:
                info = await toast.restaurant(guid)
                name = (info.get("general") or {}).get("name") or "?"
                last_updated = await toast.metadata(guid)
                print(f"ok   {label}: {name}; menu lastUpdated {last_updated}", file=out)
            except ToastError as exc:
                failed += 1
                print(f"FAIL {label}: {exc.detail}", file=out)
        try:
            found = await discover(toast, list(dict.fromkeys(settings.relay_restaurants.values())))
            print(_reach_lines(found, settings.relay_restaurants), file=out)
        except ToastError as exc:
            failed += 1
            print(f"FAIL listing the restaurants these credentials reach: {exc.detail}",
                  file=out)
    finally:
        await http.aclose()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    if failed:
        print(f"{failed} check(s) failed at {stamp}", file=out)
    return 1 if failed else 0


def _token_line(settings: Settings, state: dict[str, object], forced: bool) -> str:
    where = f"{settings.toast_api_url} ({settings.toast_auth_mode} mode)"
    until = f"token valid until {state['expiresAt']}"
    if state["lastLogin"] is None:
        return (f"ok   {where}: reusing the token saved in {settings.relay_data_dir} (no "
                f"login); {until}")
    if forced:
        return f"ok   logged in to {where} (--login; the saved token is kept); {until}"
    if settings.relay_data_dir is None:
        return (f"ok   logged in to {where}; {until} (RELAY_DATA_DIR is not set, so there "
                "is no saved token to reuse)")
    return f"ok   logged in to {where}; {until}, saved in {settings.relay_data_dir}"


def _reach_lines(found: Discovery, configured: dict[str, str]) -> str:
    if found.needs_guid:
        return ("note standard API access (no partners API): with a restaurant GUID in "
                "RELAY_RESTAURANTS, check lists its management group's restaurants")
    kind = ("partner API client (partners API)" if found.access == "partner"
            else "standard API access (management groups)")
    aliases = {guid: alias for alias, guid in configured.items() if alias != guid}
    lines = [f"ok   {kind}: these credentials reach {len(found.restaurants)} restaurant(s)"]
    for r in found.restaurants:
        served = ("configured" + (f" as {aliases[r.guid]}" if r.guid in aliases else "")
                  if r.guid in configured.values() else "not configured")
        lines.append(f"       {r.guid}  {r.label}  [{served}]")
    return "\n".join(lines)
