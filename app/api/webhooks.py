"""``POST /webhooks/toast``: Toast's menus and stock webhooks (on when RELAY_WEBHOOK_SECRET is set).

The answer never waits on Toast: the receiver checks the signature, records the
event and returns; fetching happens in the refresh loop (Toast wants a 2xx within
2 seconds: docs/toast-api.md, webhooks).
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from app.api.deps import RelayDep
from app.api.openapi import ErrorBody, json_answer
from app.errors import NotFound, PayloadTooLarge
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
    once: the fetch it causes happens afterwards, never before the answer."""
    receiver = relay.webhooks
    if receiver is None:
        raise NotFound("webhooks are off; set RELAY_WEBHOOK_SECRET to the secrets of your "
                       "Toast webhook subscriptions")
    body = await read_capped(request, receiver)
    headers = request.headers
    receipt = await receiver.take(
        body, signature=headers.get("toast-signature"),
        restaurant_header=headers.get("toast-restaurant-external-id"),
        attempt=headers.get("toast-attempt-number"))
    return Response(orjson.dumps(receipt.as_json()), media_type="application/json",
                    headers={"Cache-Control": "no-store"})
