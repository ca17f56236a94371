"""Showing a new view of a restaurant: rendered in turn with the others, served from then
on, noted in the change history, and published to push clients when its bytes changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.clock import Clock
from app.menu.model import StockEntry
from app.refresh.loader import SnapshotLoader
from app.refresh.pacing import HEAVY_ROWS, Pacer
from app.refresh.tracked import Tracked
from app.serve.history import History
from app.serve.push import ChangeFeed
from app.serve.views import MenuView
from app.store.snapshot_record import Snapshot


class Display:
    def __init__(self, *, builder: SnapshotLoader, clock: Clock, pacer: Pacer,
                 history: History, changes: ChangeFeed) -> None:
        self._builder = builder
        self._clock = clock
        self.pacer = pacer
        """Every render goes through it, so a thousand due at once never hold the loop."""
        self.history = history
        self.changes = changes

    def show(self, t: Tracked, view: MenuView, snap: Snapshot | None = None) -> None:
        """Serve ``view`` from now on (built from ``snap`` when given) and tell push
        clients when its bytes changed; note it in the change history."""
        before = t.view
        self.history.record(t.guid, before, view, self._clock.now())
        t.show(view, snap)
        if before is None or before.json.etag != view.json.etag:
            self.changes.publish(t.guid, view.json.etag)

    async def build(self, t: Tracked, snap: Snapshot, *, stale: bool) -> MenuView:
        """A view of ``snap`` as of now."""
        return await self._render(t, lambda: self._builder.build_view(
            snap, stale=stale, now=self._clock.now()), snap.rows_hint)

    async def changed(self, t: Tracked, view: MenuView, *, stale: bool | None = None,
                      stock: Sequence[StockEntry] | None = None,
                      changed_at: float | None = None) -> MenuView:
        """``view`` with a new stale flag or stock (which changed at ``changed_at``)."""
        return await self._render(t, lambda: view.with_changes(
            stale=stale, stock=stock, now=self._clock.now(), changed_at=changed_at),
            len(view.rows))

    async def repriced(self, t: Tracked, view: MenuView, snap: Snapshot,
                       now: float) -> MenuView:
        """``view`` flattened again at ``now`` (a time-specific price flipped)."""
        return await self._render(t, lambda: self._builder.rebuild(view, snap, now=now),
                                  len(view.rows))

    async def _render(self, t: Tracked, job: Callable[[], MenuView], rows: int) -> MenuView:
        """Render in turn with the others (``app.refresh.pacing``), with every shape screens
        asked of the current view, so the first screen after the change gets ready bytes."""
        before = t.view

        def render() -> MenuView:
            view = job()
            if before is not None:
                view.prerender(before.shapes())
            return view

        return await self.pacer.run(render, heavy=rows > HEAVY_ROWS)
