"""The shared snapshot store: one Redis hash per restaurant, written only when newer.

Each replica keeps its own copies (memory, and disk with ``RELAY_DATA_DIR``) and
renders from them; Redis holds the newest copy for all. A write is a Lua
compare-and-set on the copy's version (fetch time, stock time, confirmation
time), so a replica whose lease expired mid-fetch can never put an older copy
over a newer one. The same script records the version in one ``versions`` hash,
which other replicas read every tick to notice a change whose announcement
they missed. While Redis is down, reads and writes use the local copies only.
"""

from __future__ import annotations

import logging

from app.errors import ToastBadResponse
from app.store.redis_link import RedisDown, RedisLink
from app.store.snapshot_record import Snapshot, decode_snapshot, encode_snapshot
from app.store.snapshots import DirectorySnapshots, MemorySnapshots, SnapshotStore

# KEYS: the snapshot hash, the versions hash. ARGV: fetched, stock, checked, record, guid,
# stamp. Lexicographic comparison of (fetched, stock, checked); equal is not newer.
_PUT_IF_NEWER = """
local cur = redis.call('HMGET', KEYS[1], 'f', 's', 'c')
if cur[1] then
  local new = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
  local old = {tonumber(cur[1]), tonumber(cur[2]), tonumber(cur[3])}
  local newer = false
  for i = 1, 3 do
    if new[i] > old[i] then newer = true break end
    if new[i] < old[i] then return 0 end
  end
  if not newer then return 0 end
end
redis.call('HSET', KEYS[1], 'f', ARGV[1], 's', ARGV[2], 'c', ARGV[3], 'r', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
return 1
"""


def stamp(snap: Snapshot) -> float:
    """One number that grows with every newer copy (what the per-tick check compares)."""
    return max(snap.version)


class RedisSnapshots(SnapshotStore):
    shared = True

    def __init__(self, link: RedisLink, local: MemorySnapshots | DirectorySnapshots,
                 logger: logging.Logger | None = None) -> None:
        self._link = link
        self._local = local
        self._log = logger or logging.getLogger("toast_relay.redis")
        self._put = link.client.register_script(_PUT_IF_NEWER)
        self.versions_key = link.key("versions")
        link.on_recover(self.write_back)

    def _key(self, guid: str) -> str:
        return self._link.key("snapshot", guid)

    async def get(self, guid: str) -> Snapshot | None:
        """The newest copy: Redis's, else (Redis down or empty) this replica's own."""
        mine = await self._local.get(guid)
        try:
            raw = await self._link.call(self._link.client.hget(self._key(guid), "r"))
        except RedisDown:
            return mine
        if not isinstance(raw, bytes):
            return mine
        try:
            theirs = decode_snapshot(raw)
        except ToastBadResponse:
            self._log.warning("shared menu copy unreadable, ignoring it",
                              extra={"restaurant": guid})
            return mine
        if mine is not None and mine.version >= theirs.version:
            return mine
        await self._local.put(theirs)
        return theirs

    async def put(self, snap: Snapshot) -> bool:
        """Keep ``snap`` here and in Redis; True when it is now the newest shared copy."""
        mine = await self._local.put(snap)
        try:
            return await self._write(snap)
        except RedisDown:
            return mine

    async def _write(self, snap: Snapshot) -> bool:
        fetched, stock, checked = snap.version
        written = await self._link.call(self._put(
            keys=[self._key(snap.guid), self.versions_key],
            args=[repr(fetched), repr(stock), repr(checked), encode_snapshot(snap), snap.guid,
                  repr(stamp(snap))]))
        return bool(written)

    async def write_back(self) -> None:
        """Redis is back (maybe empty): put every copy this replica holds, newest wins."""
        for snap in self._local.all():
            await self._write(snap)

    async def close(self) -> None:
        await self._local.close()
