"""``/events`` names each version (``id:``) and tells a reconnecting client only what it missed."""

from __future__ import annotations

from starlette.types import Scope

from app.api.push import MAX_EVENT_ID, RETRY_MS, last_event_id, opening, update_event

GUID = "c0dd7491-1f6d-5316-a0d3-afe13f97e29c"
ETAG = '"29cca925934fdf05c3f1724a42162872"'


def scope(*headers: tuple[bytes, bytes]) -> Scope:
    return {"type": "http", "headers": list(headers)}


def test_an_update_names_its_version_as_its_id() -> None:
    """Each update's ``id`` is the ETag its data announces (what Last-Event-ID sends back)."""
    event = update_event(GUID, ETAG).decode()
    assert event.startswith(f"id: {ETAG}\nevent: update\ndata: ")
    assert event.endswith("\n\n")


def test_a_client_with_the_current_version_gets_only_the_retry() -> None:
    """Reconnecting with the current version: ``retry:`` and no update (nothing was missed)."""
    assert opening(GUID, ETAG, ETAG) == f"retry: {RETRY_MS}\n\n".encode()


def test_a_client_with_another_or_no_version_gets_the_current_one() -> None:
    """An old, unknown or absent id: ``retry:`` then exactly one update, the current version."""
    for seen in ('"older"', "", "screen-lobby-3"):
        start = opening(GUID, ETAG, seen)
        assert start == f"retry: {RETRY_MS}\n\n".encode() + update_event(GUID, ETAG)


def test_the_header_wins_over_the_query_and_an_overlong_id_is_ignored() -> None:
    """Last-Event-ID (the browser's reconnect) first, ``?lastEventId=`` else; past
    MAX_EVENT_ID characters it names no version."""
    query = (("lastEventId", '"from-query"'),)
    assert last_event_id(scope((b"last-event-id", ETAG.encode())), query) == ETAG
    assert last_event_id(scope(), query) == '"from-query"'
    assert last_event_id(scope(), ()) == ""
    assert last_event_id(scope((b"last-event-id", b"x" * (MAX_EVENT_ID + 1))), ()) == ""
