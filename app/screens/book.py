"""The screens this replica serves: an in-memory copy of the store, kept current.

Requests read ``get`` (a dictionary lookup); writes go to the store first, then
here. Another replica's write arrives through ``ScreenStore.watch`` and is read back
from the store. Every change, local or not, is handed to ``on_change`` (the relay
uses it to push an update to the boards that show the screen).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.clock import Clock, iso_utc
from app.screens.model import Screen
from app.store.redis_link import RedisDown
from app.store.screens import ScreenStore, Stored
from app.store.screens_redis import RELOAD_ALL

log = logging.getLogger("toast_relay.screens")
Change = Callable[[Stored | None, Stored | None], None]
"""Called with the screen before and after a change (None: absent)."""


class ScreenBook:
    def __init__(self, store: ScreenStore, clock: Clock, on_change: Change | None = None) -> None:
        self.store = store
        self.clock = clock
        self.on_change: Change = on_change or (lambda old, new: None)
        self._screens: dict[str, Stored] = {}

    def get(self, name: str) -> Stored | None:
        return self._screens.get(name)

    def all(self) -> list[Stored]:
        return [self._screens[n] for n in sorted(self._screens)]

    async def load(self) -> None:
        """Read every definition (at start; a store that is down leaves the book as it is
        until ``watch`` reloads it)."""
        try:
            found = await self.store.all()
        except RedisDown:
            log.warning("screen definitions could not be read from Redis; they are read "
                        "again once it answers")
            return
        for name in set(self._screens) | set(found):
            self._apply(name, found.get(name))

    async def watch(self) -> None:
        """Follow other replicas' changes until cancelled."""
        await self.store.watch(self._remote)

    async def _remote(self, name: str) -> None:
        if name == RELOAD_ALL:
            await self.load()
            return
        try:
            self._apply(name, await self.store.get(name))
        except RedisDown:
            return  # reloaded in full when the subscription comes back

    async def put(self, name: str, screen: Screen, expected: int | None) -> Stored:
        stored = await self.store.put(name, screen, expected, iso_utc(self.clock.now()))
        self._apply(name, stored)
        return stored

    async def delete(self, name: str, expected: int | None) -> bool:
        gone = await self.store.delete(name, expected)
        self._apply(name, None)
        return gone

    def _apply(self, name: str, stored: Stored | None) -> None:
        old = self._screens.get(name)
        if stored is None:
            self._screens.pop(name, None)
        elif old is not None and old.version == stored.version and old.screen == stored.screen:
            return
        else:
            self._screens[name] = stored
        if old is not None or stored is not None:
            self.on_change(old, stored)
