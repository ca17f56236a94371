"""The menu desk: every account's menu service, found by restaurant.

Each account has its own refresh engine (its own token, budgets and backoff, so one
account's trouble never delays another's; docs/accounts.md). What serves screens asks
the desk, which hands each request to the service of the restaurant's account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from app.logs import account_context
from app.menu.restaurant import RestaurantInfo
from app.refresh.service import CacheResult, MenuService
from app.serve.history import Version
from app.serve.status import RestaurantFacts
from app.serve.views import MenuView


class MenuDesk:
    def __init__(self, services: Mapping[str, MenuService],
                 account_of: Callable[[str], str]) -> None:
        """``account_of``: a restaurant GUID → the name of the account serving it (404
        when none does; callers resolve the GUID first)."""
        self._account_of = account_of
        self._services: dict[str, MenuService] = {}
        self._route: dict[str, MenuService] = {}
        self.replace(services)

    def replace(self, services: Mapping[str, MenuService]) -> None:
        """Serve from these accounts from now on (a reloaded accounts file)."""
        self._services = dict(services)
        self._route = {}

    def service(self, guid: str) -> MenuService:
        """The menu service of ``guid``'s account."""
        found = self._route.get(guid)
        if found is None:
            found = self._route[guid] = self._services[self._account_of(guid)]
        return found

    # --- screens (the hot path: one dictionary lookup more than a single service) ---------

    def cached(self, guid: str) -> tuple[MenuView, CacheResult] | None:
        return self.service(guid).cached(guid)

    async def view(self, guid: str) -> tuple[MenuView, CacheResult]:
        """The view, loaded first if need be (the loading's log lines name the account)."""
        service = self.service(guid)
        with account_context(self._account_of(guid)):
            return await service.view(guid)

    def current(self, guid: str) -> MenuView | None:
        return self.service(guid).current(guid)

    def info(self, guid: str) -> RestaurantInfo | None:
        return self.service(guid).info(guid)

    # --- operators ----------------------------------------------------------------------

    async def refresh(self, guid: str) -> MenuView:
        service = self.service(guid)
        with account_context(self._account_of(guid)):
            return await service.refresh(guid)

    def versions(self, guid: str) -> list[Version]:
        """``guid``'s recent menu versions, oldest first."""
        return self.service(guid).history.versions(guid)

    def facts_of(self, guid: str) -> RestaurantFacts | None:
        return self.service(guid).facts_of(guid)

    def facts(self, accounts: Iterable[str] | None = None) -> list[RestaurantFacts]:
        """Every tracked restaurant of every account (or of ``accounts``)."""
        return [f for name, s in self._services.items()
                if accounts is None or name in accounts for f in s.facts()]

    def known(self) -> list[str]:
        return [g for s in self._services.values() for g in s.known()]

    def tick(self, guids: Iterable[str] | None = None) -> None:
        """Start what is due (for ``guids``, or everything) in every account."""
        chosen = None if guids is None else list(guids)
        for s in self._services.values():
            s.tick(chosen)  # each skips the restaurants it does not hold
