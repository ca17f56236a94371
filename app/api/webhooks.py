"""``POST /webhooks/toast[/{account}]``: Toast's menus and stock webhooks, per account.

The answer never waits on Toast: the receiver checks the signature, records the
event and returns; fetching happens in the refresh loop (Toast wants a 2xx within
2 seconds: docs/toast-api.md, webhooks).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from starlette.responses import Response

from app.api.deps import RelayDep
from app.api.openapi import ErrorBody, json_answer
from app.config import DEFAULT_ACCOUNT
from app.errors import NotFound, PayloadTooLarge
from app.logs import account_context
from app.webhooks.receiver import MAX_BODY, WebhookReceiver

router = APIRouter(tags=["webhooks"], default_response_class=Response)


class WebhookReceipt(BaseModel):
    result: Literal["accepted", "duplicate", "ignored"]
    event: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: json_answer(WebhookReceipt, {"result": "accepted",
                                      "event": "7f0b0f0e-4c11-4c27-9e0e-5b1f1b2f9c1d"},
                     "Taken (or a duplicate, or an event this relay has no use for)."),
    400: _error("The body is not a Toast webhook (the detail says which part)."),
    401: _error("Toast-Signature missing or not made with any secret in RELAY_WEBHOOK_SECRET."),
    404: _error("Webhooks are off (RELAY_WEBHOOK_SECRET is not set)."),
    413: _error("The body is over 64 KiB."),
    503: _error("A valid event could not be taken; Toast resends it."),
}


async def read_capped(request: Request, receiver: WebhookReceiver) -> bytes:
    """The raw body, refused with 413 as soon as it passes ``MAX_BODY`` bytes."""
    declared = request.headers.get("content-length", "")
    too_large = PayloadTooLarge(f"a Toast webhook body is at most {MAX_BODY // 1024} KiB; "
                                "this is not one")
    if declared.isdigit() and int(declared) > MAX_BODY:
        receiver.too_large()
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            receiver.too_large()
            raise too_large
    return bytes(body)


@router.post("/webhooks/toast", summary="Toast webhooks (menus_updated, stock events)",
             responses=RESPONSES)
async def toast_webhook(relay: RelayDep, request: Request) -> Response:
    """Checks `Toast-Signature` (base64 HMAC-SHA256 of the raw body followed by the payload's
    `timestamp`, with any secret in RELAY_WEBHOOK_SECRET), takes the event and answers at
    once: the fetch it causes happens afterwards, never before the answer. The `default`
    account's subscriptions (the one TOAST_* describe)."""
    account = relay.accounts.get(DEFAULT_ACCOUNT)
    if account is None:
        raise NotFound("no account comes from TOAST_*; send each account's webhooks to "
                       "/webhooks/toast/{account}")
    return await _take(DEFAULT_ACCOUNT, account.webhooks, request, "RELAY_WEBHOOK_SECRET")


@router.post("/webhooks/toast/{account}", summary="Toast webhooks for one account",
             responses=RESPONSES)
async def account_webhook(relay: RelayDep, request: Request, account: Annotated[str, Path(
        description="The account's name in RELAY_ACCOUNTS_FILE.", max_length=40)]) -> Response:
    """The same as `/webhooks/toast`, checked with that account's `webhook_secrets`; an
    event for a restaurant of another account is ignored (200, no call to Toast)."""
    found = relay.accounts.get(account)
    if found is None:
        raise NotFound(f"no account named {account[:40]!r}; use a name from "
                       "RELAY_ACCOUNTS_FILE")
    return await _take(account, found.webhooks, request,
                       f"webhook_secrets of account {account!r}")


async def _take(account: str, receiver: WebhookReceiver | None, request: Request,
                setting: str) -> Response:
    if receiver is None:
        raise NotFound(f"webhooks are off; set {setting} to the secrets of your Toast "
                       "webhook subscriptions")
    body = await read_capped(request, receiver)
    headers = request.headers
    with account_context(account):  # its refusals and receipts are logged under its name
        receipt = await receiver.take(
            body, signature=headers.get("toast-signature"),
            restaurant_header=headers.get("toast-restaurant-external-id"),
            attempt=headers.get("toast-attempt-number"))
    return Response(orjson.dumps(receipt.as_json()), media_type="application/json",
                    headers={"Cache-Control": "no-store"})
