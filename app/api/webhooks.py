"""``POST /webhooks/toast``: Toast's menus and stock webhooks (on when RELAY_WEBHOOK_SECRET is set).

The answer never waits on Toast: the receiver checks the signature, records the
event and returns; fetching happens in the refresh loop (NOTES §6.1: 2xx within
2 seconds, before any business logic).
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from app.errors import PayloadTooLarge
from app.relay import Relay
from app.webhooks.receiver import MAX_BODY, WebhookReceiver


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


def routes(relay: Relay) -> list[BaseRoute]:
    receiver = relay.webhooks
    if receiver is None:
        return []
    router = APIRouter()

    @router.post("/webhooks/toast", summary="Toast webhooks (menus_updated, stock events)")
    async def toast_webhook(request: Request) -> Response:
        """Check the ``Toast-Signature``, take the event, answer at once."""
        assert receiver is not None
        body = await read_capped(request, receiver)
        headers = request.headers
        receipt = receiver.take(
            body, signature=headers.get("toast-signature"),
            restaurant_header=headers.get("toast-restaurant-external-id"),
            attempt=headers.get("toast-attempt-number"))
        return Response(orjson.dumps(receipt.as_json()), media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    return list(router.routes)
