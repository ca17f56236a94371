"""The simulator sends Toast's webhooks: signed, with Toast's headers, resent as Toast does."""

from __future__ import annotations

import httpx
import orjson
import pytest

from app.clock import FakeClock
from app.sim.sample import AGENCY_CLIENT_ID, AGENCY_TAQUERIA_GUID, SAMPLE_RESTAURANT_GUID
from app.sim.state import SimState
from app.sim.webhooks import WebhookConfig, webhook_config
from app.webhooks.events import read_envelope, to_event
from app.webhooks.signature import verify
from tests.support.sim_auth import headers

GUID = SAMPLE_RESTAURANT_GUID
MENUS_SECRET = "sim-menus-secret"
STOCK_SECRET = "sim-stock-secret"


class Receiver:
    """Records each delivery and answers with the next queued status (200 when none left)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.answers.pop(0) if self.answers else 200)


@pytest.fixture
def receiver(state: SimState) -> Receiver:
    rec = Receiver()
    state.webhooks.config = WebhookConfig("http://relay.test/webhooks/toast", MENUS_SECRET,
                                          STOCK_SECRET, time_scale=0.01)
    state.webhooks.http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    return rec


async def test_publish_sends_a_signed_menus_updated(client: httpx.AsyncClient, state: SimState,
                                                    receiver: Receiver) -> None:
    """A publish sends menus_updated signed with the menus secret, with Toast's headers."""
    r = await client.post(f"/_sim/publish/{GUID}")
    await state.webhooks.drain()
    [req] = receiver.requests
    body = req.content
    env = read_envelope(body)
    assert verify(body, env.timestamp, req.headers["Toast-Signature"], [MENUS_SECRET])
    assert not verify(body, env.timestamp, req.headers["Toast-Signature"], [STOCK_SECRET])
    assert (req.headers["Toast-Event-Type"], req.headers["Toast-Event-Category"]) == (
        "menus_updated", "menus")
    assert req.headers["Toast-Restaurant-External-ID"] == GUID
    assert req.headers["Toast-Attempt-Number"] == "1"
    assert req.headers["User-Agent"].startswith("Apache-HttpClient")
    assert list(orjson.loads(body)) == ["timestamp", "eventCategory", "eventType", "guid",
                                        "details"]
    event = to_event(env)
    published = r.json()["lastUpdated"].replace("+0000", "Z")
    assert env.details["publishedDate"] == published
    assert event.restaurant == GUID


async def test_failed_delivery_is_resent_after_5_then_10_minutes(
        client: httpx.AsyncClient, state: SimState, receiver: Receiver, clock: FakeClock) -> None:
    """503 then 429 then 200: three attempts, 300 s and 600 s apart (scaled), same event."""
    receiver.answers = [503, 429]
    await client.post(f"/_sim/publish/{GUID}")
    await clock.advance(0)
    assert len(receiver.requests) == 1
    await clock.advance(2.99)
    assert len(receiver.requests) == 1
    await clock.advance(0.02)
    assert len(receiver.requests) == 2
    await clock.advance(6.0)
    await state.webhooks.drain()
    attempts = [r.headers["Toast-Attempt-Number"] for r in receiver.requests]
    assert attempts == ["1", "2", "3"]
    assert len({r.content for r in receiver.requests}) == 1
    listed = (await client.get("/_sim/webhooks")).json()
    assert listed["deliveries"][-1]["statuses"] == ["503", "429", "200"]
    assert MENUS_SECRET not in str(listed)


async def test_other_4xx_is_not_resent(client: httpx.AsyncClient, state: SimState,
                                       receiver: Receiver, clock: FakeClock) -> None:
    """A 401 (bad signature) or 400 is final: Toast does not resend those."""
    receiver.answers = [401]
    await client.post(f"/_sim/publish/{GUID}")
    await clock.advance(20)
    await state.webhooks.drain()
    assert len(receiver.requests) == 1


async def test_stock_changes_send_typed_stock_events(client: httpx.AsyncClient, state: SimState,
                                                     receiver: Receiver) -> None:
    """Changing stock sends out_of_stock / low_quantity / in_stock, signed with the stock secret."""
    record = state.restaurants[GUID]
    start = {g: v for g, v in state.stock_view(record).items()}
    items = [g for g in _item_guids(state) if g not in start][:3]
    rows = [{"guid": items[0], "status": "OUT_OF_STOCK"},
            {"guid": items[1], "status": "QUANTITY", "quantity": 3},
            {"guid": items[2], "status": "QUANTITY", "quantity": 12}]
    r = await client.post(f"/_sim/stock/{GUID}", json=rows)
    assert r.status_code == 200
    await state.webhooks.drain()
    seen = {}
    for req in receiver.requests:
        env = read_envelope(req.content)
        assert verify(req.content, env.timestamp, req.headers["Toast-Signature"],
                      [STOCK_SECRET])
        seen[env.details["itemGuid"]] = (env.event_type, env.details["status"],
                                         env.details.get("quantity"))
    assert seen[items[0]] == ("out_of_stock", "OUT_OF_STOCK", None)
    assert seen[items[1]] == ("low_quantity", "QUANTITY", 3.0)
    assert seen[items[2]] == ("in_stock", "QUANTITY", 12.0)
    for guid in start:  # the sample's starting stock was replaced: back in stock
        assert seen[guid][:2] == ("in_stock", "IN_STOCK")


async def test_delay_menus_holds_the_old_document(client: httpx.AsyncClient, state: SimState,
                                                  token: str, clock: FakeClock) -> None:
    """With delayMenus, metadata and /menus serve the old document until the delay passes."""
    old = (await client.get("/menus/v2/metadata", headers=headers(token))).json()["lastUpdated"]
    r = await client.post(f"/_sim/publish/{GUID}", json={"delayMenus": 5})
    new = r.json()["lastUpdated"]
    assert new != old
    meta = (await client.get("/menus/v2/metadata", headers=headers(token))).json()
    menus = (await client.get("/menus/v2/menus", headers=headers(token))).json()
    assert meta["lastUpdated"] == old == menus["lastUpdated"]
    await clock.advance(5)
    meta = (await client.get("/menus/v2/metadata", headers=headers(token))).json()
    menus = (await client.get("/menus/v2/menus", headers=headers(token))).json()
    assert meta["lastUpdated"] == new == menus["lastUpdated"]


async def test_webhook_control_validates(client: httpx.AsyncClient) -> None:
    """POST /_sim/webhooks needs an http(s) URL and a secret; no URL turns webhooks off."""
    bad = await client.post("/_sim/webhooks", json={"url": "ftp://x", "secret": "s"})
    assert bad.status_code == 400 and "http" in bad.json()["detail"]
    assert (await client.post("/_sim/webhooks", json={"url": "http://x"})).status_code == 400
    ok = await client.post("/_sim/webhooks", json={"url": "http://x/h", "secret": "s"})
    assert ok.json()["config"] == {"url": "http://x/h", "timeScale": 1.0}
    off = await client.post("/_sim/webhooks", json={})
    assert off.json()["config"] is None


async def test_menus_refused_below_one_second_exactly(client: httpx.AsyncClient, token: str,
                                                      clock: FakeClock) -> None:
    """Two /menus calls for one location 0.999 s apart: the second is 429; 1.000 s is fine."""
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 200
    await clock.advance(0.999)
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 429
    await clock.advance(0.001)
    assert (await client.get("/menus/v2/menus", headers=headers(token))).status_code == 200


def _item_guids(state: SimState) -> list[str]:
    from app.sim.menu_walk import stockable_ids

    return sorted(stockable_ids(state.restaurants[GUID].menus or {}))


def test_webhook_targets_are_taken_in_turn() -> None:
    """Several URLs: the n-th POST goes to the next one in turn; one URL takes them all."""
    config = webhook_config(["http://a/w", "http://b/w", "http://c/w"], "s")
    assert config is not None
    assert [config.target(n) for n in range(5)] == ["http://a/w", "http://b/w", "http://c/w",
                                                   "http://a/w", "http://b/w"]
    assert config.public()["url"] == ["http://a/w", "http://b/w", "http://c/w"]
    single = webhook_config("http://a/w", "s")
    assert single is not None and single.target(7) == "http://a/w"
    assert webhook_config([], "s") is None
    with pytest.raises(ValueError, match="http"):
        webhook_config(["http://a/w", "ftp://b"], "s")


async def test_resends_go_to_the_next_replica(client: httpx.AsyncClient, state: SimState,
                                              clock: FakeClock) -> None:
    """With three URLs a failed delivery is resent to the next one, as a load balancer
    would route it."""
    rec = Receiver()
    rec.answers = [503]
    state.webhooks.config = webhook_config(
        ["http://r1.test/w", "http://r2.test/w", "http://r3.test/w"], MENUS_SECRET,
        time_scale=0.01)
    state.webhooks.http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    await client.post(f"/_sim/publish/{GUID}")
    for _ in range(20):
        await clock.advance(1)
    await state.webhooks.drain()
    assert [r.url.host for r in rec.requests] == ["r1.test", "r2.test"]
    assert [r.headers["Toast-Attempt-Number"] for r in rec.requests] == ["1", "2"]


async def test_a_clients_subscription_gets_its_restaurants_events(
        client: httpx.AsyncClient, state: SimState, receiver: Receiver) -> None:
    """With a subscription of its own (``client`` on /_sim/webhooks), a client's restaurants'
    events go there, signed with its secret; other restaurants' still go to the global one."""
    r = await client.post("/_sim/webhooks", json={
        "client": AGENCY_CLIENT_ID, "url": "http://relay.test/webhooks/toast/agency",
        "secret": "agency-menus-secret"})
    assert r.json()["subscriptions"][AGENCY_CLIENT_ID]["url"].endswith("/toast/agency")
    await client.post(f"/_sim/publish/{AGENCY_TAQUERIA_GUID}")
    await client.post(f"/_sim/publish/{GUID}")
    await state.webhooks.drain()
    sent = {str(req.url): req for req in receiver.requests}
    assert set(sent) == {"http://relay.test/webhooks/toast/agency",
                         "http://relay.test/webhooks/toast"}
    agency = sent["http://relay.test/webhooks/toast/agency"]
    env = read_envelope(agency.content)
    assert env.details["restaurantGuid"] == AGENCY_TAQUERIA_GUID
    assert verify(agency.content, env.timestamp, agency.headers["Toast-Signature"],
                  ["agency-menus-secret"])


async def test_a_subscription_for_an_unknown_client_is_refused(client: httpx.AsyncClient) -> None:
    """``client`` must name one of the simulator's clients (400 listing them)."""
    r = await client.post("/_sim/webhooks", json={"client": "nobody", "url": "http://x.test/",
                                                  "secret": "s"})
    assert r.status_code == 400 and AGENCY_CLIENT_ID in r.json()["detail"]
