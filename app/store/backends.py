"""The state backends a relay can run on: this process alone, or replicas sharing Redis.

``app/relay.py`` picks one of these once; nothing else knows which it got.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.clock import Clock
from app.config import Settings
from app.store.coordination import Lease, LocalLease, LocalNotifier, Notifier
from app.store.coordination_redis import RedisLease, RedisNotifier, replica_id
from app.store.counters import ClientLimits, SendCounter
from app.store.counters_redis import RedisCounter
from app.store.dedupe_redis import RedisSeenEvents
from app.store.members_redis import RedisMembers
from app.store.redis_link import RedisLink, connect, namespace
from app.store.screens import DirectoryScreens, MemoryScreens, ScreenStore
from app.store.screens_redis import RedisScreens
from app.store.sessions import MemorySessions, SessionStore
from app.store.sessions_redis import RedisSessions
from app.store.snapshots import DirectorySnapshots, MemorySnapshots, SnapshotStore
from app.store.snapshots_redis import RedisSnapshots
from app.store.tokens import FileTokenStore, MemoryTokenStore, TokenStore
from app.store.tokens_redis import RedisTokenStore
from app.webhooks.dedupe import SeenEvents, SeenStore

log = logging.getLogger("toast_relay")


@dataclass(frozen=True)
class State:
    tokens: TokenStore
    snapshots: SnapshotStore
    lease: Lease
    notifier: Notifier
    redis: RedisLink | None = None
    counter: Callable[[ClientLimits], SendCounter] | None = None
    """Where Toast's budget is counted (None: in this process, the limiter's own)."""
    seen_events: Callable[[], SeenStore] = SeenEvents
    """Where the webhook receiver remembers the events it took (shared with Redis)."""
    screens: ScreenStore = field(default_factory=MemoryScreens)
    """Where screen definitions live (RELAY_DATA_DIR, or Redis shared by every replica)."""
    sessions: SessionStore = field(default_factory=MemorySessions)
    """Where the console's sessions live (Redis: a sign-out ends a session on every replica)."""
    tasks: tuple[Callable[[], Coroutine[Any, Any, None]], ...] = ()
    """Background loops the backend needs (the Redis membership beat), run by the relay."""

    def status(self) -> dict[str, object]:
        """For /admin/status and /readyz: which backend, and whether it is degraded."""
        if self.redis is None:
            return {"backend": "local", "degraded": False}
        return {**self.redis.status(), "degraded": not self.redis.up}


def _local_parts(settings: Settings,
                 owner: str) -> tuple[TokenStore, MemorySnapshots | DirectorySnapshots]:
    data = settings.relay_data_dir
    tokens: TokenStore = (FileTokenStore(data / "token.json", owner, log) if data
                          else MemoryTokenStore())
    snaps = DirectorySnapshots(data / "menus") if data else MemorySnapshots()
    return tokens, snaps


def local_state(settings: Settings, owner: str) -> State:
    """One process: memory, plus files under RELAY_DATA_DIR if set. ``owner`` names the
    credentials a kept token belongs to (a token of other credentials is not used)."""
    tokens, snaps = _local_parts(settings, owner)
    data = settings.relay_data_dir
    screens = DirectoryScreens(data / "screens") if data else MemoryScreens()
    return State(tokens, snaps, LocalLease(), LocalNotifier(), screens=screens)


def redis_state(settings: Settings, url: str, clock: Clock, owner: str) -> State:
    """Replicas behind one Redis; each keeps local copies to serve through an outage."""
    link = RedisLink(connect(url), namespace(settings.toast_api_url, settings.toast_client_id))
    me = replica_id()
    local_tokens, local_snaps = _local_parts(settings, owner)
    snaps = RedisSnapshots(link, local_snaps)
    tokens = RedisTokenStore(link, owner, me, local_tokens, clock)
    notifier = RedisNotifier(link, me, snaps.versions_key, clock)
    members = RedisMembers(link, me, clock)
    log.info("sharing state through Redis as replica %s", me)
    return State(tokens, snaps, RedisLease(link, me), notifier, link,
                 lambda limits: RedisCounter(link, me, clock, limits, members.outage_turns),
                 lambda: RedisSeenEvents(link), RedisScreens(link, me), RedisSessions(link),
                 (members.run,))


SHARED_NAMESPACE = "toast-relay:shared:"
"""Redis keys of what every account shares, when no account comes from TOAST_*."""


@dataclass(frozen=True)
class Shared:
    """What the accounts share: stored screens, console sessions, and the link they use."""

    screens: ScreenStore
    sessions: SessionStore
    redis: RedisLink | None


def shared_state(settings: Settings, default: State | None) -> Shared:
    """The shared parts: the ``default`` account's (where a single-account relay always
    kept them), else their own (RELAY_DATA_DIR/screens, or Redis under ``SHARED_NAMESPACE``)."""
    if default is not None:
        return Shared(default.screens, default.sessions, default.redis)
    if settings.redis_url:
        link = RedisLink(connect(settings.redis_url.get_secret_value()), SHARED_NAMESPACE)
        return Shared(RedisScreens(link, replica_id()), RedisSessions(link), link)
    data = settings.relay_data_dir
    return Shared(DirectoryScreens(data / "screens") if data else MemoryScreens(),
                  MemorySessions(), None)
