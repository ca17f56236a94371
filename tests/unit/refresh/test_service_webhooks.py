"""Webhook events driving the menu service, against the in-process simulator on a fake clock."""

from __future__ import annotations

from app.clock import parse_iso
from app.webhooks.events import MenusUpdated, StockChanged
from tests.support.service_rig import GUID, Rig, publish, run


async def test_burst_of_50_events_is_one_menus_call(rig: Rig) -> None:
    """50 menus_updated for one publish cause one /menus call and no metadata call."""
    await rig.relay.primary.menus.view(GUID)
    published = await publish(rig)
    meta, menus = await rig.calls("metadata"), await rig.calls("menus")
    for i in range(50):
        rig.relay.primary.menus.menus_updated(MenusUpdated(f"e{i}", GUID, published))
    await run(rig, 10)
    assert (await rig.calls("menus"), await rig.calls("metadata")) == (menus + 1, meta)
    view, _ = await rig.relay.primary.menus.view(GUID)
    assert parse_iso(view.last_updated) == published


async def test_late_document_is_fetched_again_until_current(rig: Rig) -> None:
    """If /menus still serves the old document, the relay fetches again after 2 s, then 5 s."""
    await rig.relay.primary.menus.view(GUID)
    published = await publish(rig, delayMenus=4)
    menus = await rig.calls("menus")
    rig.relay.primary.menus.menus_updated(MenusUpdated("e1", GUID, published))
    await run(rig, 1)
    view, _ = await rig.relay.primary.menus.view(GUID)
    assert parse_iso(view.last_updated) != published
    await run(rig, 10)
    view, _ = await rig.relay.primary.menus.view(GUID)
    assert parse_iso(view.last_updated) == published
    assert await rig.calls("menus") == menus + 3  # at 0 s, 2 s (still old), 7 s
    await run(rig, 120)
    assert await rig.calls("menus") == menus + 3  # current: no more rechecks


async def test_stock_event_applies_at_once_without_toast(rig: Rig) -> None:
    """An out_of_stock event marks the item sold out and announces it, calling nobody."""
    view, _ = await rig.relay.primary.menus.view(GUID)
    row = next(r for r in view.rows if not r.outOfStock)
    total = (await rig.sim.get("/_sim/calls")).json()["total"]
    with rig.relay.primary.menus.changes.subscribe(GUID) as sub:
        rig.relay.primary.menus.stock_changed(
            StockChanged("e1", GUID, row.guid, "OUT_OF_STOCK", None))
        after, _ = await rig.relay.primary.menus.view(GUID)
        assert next(r for r in after.rows if r.guid == row.guid).outOfStock
        assert await sub.next(0) == after.json.etag
    await run(rig, 1)
    assert (await rig.sim.get("/_sim/calls")).json()["total"] == total


async def test_events_for_restaurants_not_tracked_are_ignored(rig: Rig) -> None:
    """An event for a restaurant nobody asked for neither loads nor fetches it."""
    other = "0badf00d-1111-2222-3333-444444444444"
    assert not rig.relay.primary.menus.serves(other)
    rig.relay.primary.menus.menus_updated(MenusUpdated("e1", other, None))
    await run(rig, 2)
    assert (await rig.sim.get("/_sim/calls")).json()["total"] == 0


async def test_after_a_long_outage_a_change_shows_within_one_interval(rig: Rig) -> None:
    """20 minutes of Toast failures, then recovery and a publish: visible one interval later."""
    await rig.relay.primary.menus.view(GUID)
    await rig.fault(endpoint="*", mode="503", count=None)
    await run(rig, 20 * 60)
    stale, _ = await rig.relay.primary.menus.view(GUID)
    assert stale.stale
    await rig.fault(endpoint="*", mode="off")
    published = await publish(rig)
    await run(rig, int(rig.relay.settings.relay_refresh_interval) + 5)
    view, _ = await rig.relay.primary.menus.view(GUID)
    assert parse_iso(view.last_updated) == published and not view.stale


async def test_webhook_fetches_at_once_whatever_the_backoff(rig: Rig) -> None:
    """A restaurant backing off after failures still fetches at once on a webhook."""
    await rig.relay.primary.menus.view(GUID)
    await rig.fault(endpoint="metadata", mode="503", count=None)
    await run(rig, 5 * 60)
    for _ in range(120):  # to a moment well inside a backoff wait (its jitter is random)
        [facts] = rig.relay.primary.menus.facts()
        if facts.next_check is not None and facts.next_check > rig.clock.now() + 20:
            break
        await run(rig, 1)
    next_check = facts.next_check
    assert facts.last_error and isinstance(next_check, float)
    assert next_check > rig.clock.now() + 20  # backing off: the next check is a while away
    published = await publish(rig)
    rig.relay.primary.menus.menus_updated(MenusUpdated("e1", GUID, published))
    await run(rig, 2)
    view, _ = await rig.relay.primary.menus.view(GUID)
    assert parse_iso(view.last_updated) == published
