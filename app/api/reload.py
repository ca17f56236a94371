"""``POST /admin/reload``: re-read RELAY_ACCOUNTS_FILE (as SIGHUP does), RELAY_ADMIN_KEY only."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from starlette.responses import Response

from app.api.deps import AdminKey
from app.api.openapi import errors, json_answer
from app.config import ALL_RESTAURANTS
from app.errors import ConfigError, Forbidden, RelayError
from app.reload import Reloader

router = APIRouter(tags=["admin"], default_response_class=Response)


class ReloadResult(BaseModel):
    added: list[str]
    removed: list[str]
    changed: list[str]
    unchanged: list[str]


class BadAccountsFile(RelayError):
    """The re-read accounts file does not validate; the running accounts stay as they were."""

    status_code = 422
    error = "config_error"


_EXAMPLE: dict[str, Any] = {"added": ["harbor-group"], "removed": [], "changed": [],
                            "unchanged": ["default"]}


@router.post("/admin/reload", summary="Re-read the accounts file",
             responses={200: json_answer(ReloadResult, _EXAMPLE, "What changed, by account"),
                        **errors(401, 403, why={422: "The accounts file does not validate "
                                                "(`detail`: where and why); nothing changed"})})
async def reload(request: Request, account: AdminKey) -> Response:
    """Re-reads RELAY_ACCOUNTS_FILE: accounts added, removed or changed without a restart
    (new and changed ones are warmed before requests go to them). A file that does not
    validate changes nothing (422 with the one-line reason). RELAY_ADMIN_KEY only."""
    if account != ALL_RESTAURANTS:
        raise Forbidden("reloading the accounts needs RELAY_ADMIN_KEY, not an account's "
                        "admin_key")
    reloader: Reloader = request.app.state.reloader
    try:
        done = await reloader.reload()
    except ConfigError as exc:
        raise BadAccountsFile(exc.detail) from None
    return Response(orjson.dumps(done.as_json()), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def listen_for_sighup(app: FastAPI, reloader: Reloader) -> None:
    """SIGHUP re-reads the accounts file (where the loop may take signals: the main thread)."""
    app.state.reloader = reloader
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def hup() -> None:
        task = loop.create_task(reloader.on_signal(), name="accounts-reload")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
        loop.add_signal_handler(signal.SIGHUP, hup)
