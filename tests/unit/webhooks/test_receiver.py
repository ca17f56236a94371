"""The receiver: signature first, then duplicates, unknown restaurants, and hand-off."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import orjson
import pytest

from app.clock import FakeClock, parse_iso
from app.errors import BadRequest, Unauthorized, WebhookNotTaken
from app.webhooks.dedupe import DEFAULT_TTL, SeenEvents
from app.webhooks.events import MenusUpdated, StockChanged
from app.webhooks.receiver import WebhookReceiver
from app.webhooks.signature import sign
from app.webhooks.window import AHEAD, PAST

SECRETS = ["menus-secret-1234", "stock-secret-5678"]
R = "00000000-1111-2222-3333-444444444444"
OTHER = "99999999-1111-2222-3333-444444444444"
ITEM = "5c5bd3d2-8a0b-4a44-a1c1-4d7dd8a9d2b1"
TS = "2024-05-01T12:00:00.000Z"
SENT = parse_iso(TS) or 0.0


@dataclass
class Sink:
    served: set[str] = field(default_factory=lambda: {R})
    menus: list[MenusUpdated] = field(default_factory=list)
    stock: list[StockChanged] = field(default_factory=list)
    fail: bool = False

    def serves(self, restaurant: str) -> bool:
        return restaurant in self.served

    def menus_updated(self, event: MenusUpdated) -> None:
        if self.fail:
            raise RuntimeError("queue full")
        self.menus.append(event)

    def stock_changed(self, event: StockChanged) -> None:
        self.stock.append(event)


def delivery(guid: str = "ev-1", restaurant: str = R, category: str = "menus",
             event_type: str = "menus_updated", secret: str = SECRETS[0], ts: str = TS,
             **details: object) -> tuple[bytes, str]:
    body = orjson.dumps({"timestamp": ts, "eventCategory": category, "eventType": event_type,
                         "guid": guid, "details": {"restaurantGuid": restaurant,
                                                   "publishedDate": ts, **details}})
    return body, sign(body, ts, secret)


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def receiver(sink: Sink) -> WebhookReceiver:
    return WebhookReceiver(secrets=SECRETS, sink=sink, clock=FakeClock(start=SENT))


async def test_signed_menus_event_is_handed_on_and_counted(receiver: WebhookReceiver,
                                                     sink: Sink) -> None:
    """A signed menus_updated for a served restaurant reaches the sink and is counted."""
    body, sig = delivery()
    assert (await receiver.take(body, signature=sig)).result == "accepted"
    assert [e.restaurant for e in sink.menus] == [R]
    assert receiver.stats.restaurants[R].events == 1


async def test_stock_event_signed_with_the_stock_secret(receiver: WebhookReceiver,
                                                  sink: Sink) -> None:
    """A stock event signed with the second (stock) secret is accepted."""
    body, sig = delivery(category="stock", event_type="out_of_stock", secret=SECRETS[1],
                         itemGuid=ITEM, status="OUT_OF_STOCK")
    assert (await receiver.take(body, signature=sig)).result == "accepted"
    assert sink.stock[0].item_guid == ITEM


async def test_duplicate_guid_does_no_new_work(receiver: WebhookReceiver, sink: Sink) -> None:
    """The same event GUID delivered twice is acknowledged but handed on once."""
    body, sig = delivery()
    await receiver.take(body, signature=sig)
    assert (await receiver.take(body, signature=sig)).result == "duplicate"
    assert len(sink.menus) == 1
    assert receiver.stats.outcomes["duplicate"] == 1


async def test_unknown_restaurant_is_acknowledged_and_ignored(receiver: WebhookReceiver,
                                                        sink: Sink) -> None:
    """An event for a restaurant this relay does not serve is 2xx-ignored, nothing scheduled."""
    body, sig = delivery(restaurant=OTHER)
    assert (await receiver.take(body, signature=sig)).result == "ignored"
    assert sink.menus == []
    assert OTHER not in receiver.stats.restaurants


async def test_partner_events_are_ignored(receiver: WebhookReceiver) -> None:
    """Partner events are valid but unused: acknowledged and ignored."""
    body, sig = delivery(category="partner", event_type="partner_added")
    assert (await receiver.take(body, signature=sig)).result == "ignored"


async def test_bad_signature_is_401_counted_and_logged_loudly_once(
        receiver: WebhookReceiver, sink: Sink, caplog: pytest.LogCaptureFixture) -> None:
    """A wrong secret is 401, counted per restaurant, and only the first one is an ERROR."""
    body, _ = delivery()
    wrong = sign(body, "2024-05-01T12:00:00.000Z", "not-the-secret")
    with caplog.at_level(logging.INFO, logger="toast_relay.webhooks"):
        for _ in range(3):
            with pytest.raises(Unauthorized):
                await receiver.take(body, signature=wrong)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "RELAY_WEBHOOK_SECRET" in errors[0].getMessage()
    assert all(SECRETS[0] not in r.getMessage() and wrong not in str(vars(r))
               for r in caplog.records)
    assert receiver.stats.restaurants[R].signature_failures == 3
    assert sink.menus == []


async def test_missing_signature_is_401_even_for_garbage(receiver: WebhookReceiver) -> None:
    """No Toast-Signature header: 401 before the body is even read."""
    with pytest.raises(Unauthorized):
        await receiver.take(b"garbage", signature=None)


async def test_signed_but_malformed_is_400(receiver: WebhookReceiver) -> None:
    """A body that is not a Toast webhook is 400 naming what is wrong."""
    with pytest.raises(BadRequest, match="not JSON"):
        await receiver.take(b"{nope", signature="c2ln")
    body, sig = delivery(category="stock", event_type="out_of_stock")  # no itemGuid
    with pytest.raises(BadRequest, match="itemGuid"):
        await receiver.take(body, signature=sig)


async def test_event_that_cannot_be_taken_is_5xx_and_not_remembered(receiver: WebhookReceiver,
                                                              sink: Sink) -> None:
    """If the sink fails, the answer is 503 and Toast's resend of the same GUID is taken."""
    body, sig = delivery()
    sink.fail = True
    with pytest.raises(WebhookNotTaken):
        await receiver.take(body, signature=sig)
    sink.fail = False
    assert (await receiver.take(body, signature=sig)).result == "accepted"


def test_receiver_needs_a_secret(sink: Sink) -> None:
    """A receiver without secrets cannot be built (webhooks are off instead)."""
    with pytest.raises(ValueError, match="secret"):
        WebhookReceiver(secrets=[], sink=sink, clock=FakeClock())


@pytest.mark.parametrize("ts", ["2019-09-16T21:01:53.685Z", "2024-05-01T11:39:59.000Z",
                                "2024-05-01T12:05:01.000Z", "2024-05-01 noon"])
async def test_signed_event_dated_outside_the_window_is_refused(ts: str, sink: Sink) -> None:
    """A validly signed event dated more than PAST before or AHEAD after the relay's clock
    (or not dated at all) is 400 and does nothing."""
    receiver = WebhookReceiver(secrets=SECRETS, sink=sink, clock=FakeClock(start=SENT))
    body, sig = delivery(ts=ts)
    with pytest.raises(BadRequest, match="timestamp"):
        await receiver.take(body, signature=sig)
    assert sink.menus == [] and receiver.stats.outcomes["stale"] == 1


async def test_toasts_resends_fall_inside_the_window(sink: Sink) -> None:
    """An event Toast resends 15 minutes on (5 + 10), or one 4 minutes ahead, is taken."""
    for n, (offset, ts) in enumerate([(15 * 60, TS), (0, "2024-05-01T12:04:00.000Z")]):
        receiver = WebhookReceiver(secrets=SECRETS, sink=sink,
                                   clock=FakeClock(start=SENT + offset))
        body, sig = delivery(guid=f"ev-{n}", ts=ts)
        assert (await receiver.take(body, signature=sig)).result == "accepted"


def test_the_window_fits_inside_the_duplicate_memory() -> None:
    """Every replay the window lets through is one de-duplication still remembers."""
    assert PAST + AHEAD < DEFAULT_TTL
    assert PAST >= 15 * 60  # Toast's last resend


async def test_receivers_sharing_a_seen_store_take_an_event_once(sink: Sink) -> None:
    """Two receivers (replicas) on one seen-event store: a copy reaching the second is a
    duplicate; a copy whose claim was released (the first failed) is taken."""
    seen = SeenEvents()
    one, two = (WebhookReceiver(secrets=SECRETS, sink=sink, clock=FakeClock(start=SENT), seen=seen)
                for _ in range(2))
    body, sig = delivery()
    assert (await one.take(body, signature=sig)).result == "accepted"
    assert (await two.take(body, signature=sig)).result == "duplicate"
    assert len(sink.menus) == 1
    sink.fail = True
    body, sig = delivery(guid="ev-2")
    with pytest.raises(WebhookNotTaken):
        await one.take(body, signature=sig)
    sink.fail = False
    assert (await two.take(body, signature=sig)).result == "accepted"
