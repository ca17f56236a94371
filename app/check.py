"""``toast-relay check``: log in once and show what the relay would serve."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from app.clock import SystemClock
from app.config import Settings
from app.errors import ToastError
from app.toast.client import RetryPolicy, ToastClient, make_http_client
from app.toast.limiter import UpstreamLimiter
from app.toast.token import TokenManager


async def run_check(settings: Settings, out: TextIO = sys.stdout) -> int:
    """Exit code 0 when login and every configured restaurant work, else 1."""
    # check prints its own lines; the token manager's log records would repeat them.
    logging.getLogger().addHandler(logging.NullHandler())
    clock = SystemClock()
    http = make_http_client(settings.toast_timeout)
    # A real login every time (not the token saved in RELAY_DATA_DIR), so wrong
    # credentials show even while a saved token is still valid.
    limiter = UpstreamLimiter(clock)
    tokens = TokenManager.from_settings(settings, http, clock, limiter, token_file=None)
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
        expires = tokens.status().get("expiresAt")
        print(f"ok   logged in to {settings.toast_api_url} ({settings.toast_auth_mode} mode); "
              f"token valid until {expires}", file=out)
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
    finally:
        await http.aclose()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    if failed:
        print(f"{failed} restaurant(s) failed at {stamp}", file=out)
    return 1 if failed else 0
