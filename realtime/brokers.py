"""broadcaster instances for BROADCAST_URL, with a fix for its Redis backend.

broadcaster 0.3.1's Redis backend sets its "ready" flag *before* subscribing; its
listener then starts redis-py's `listen()` with no channel registered yet, `listen()`
returns at once, and the listener waits on the flag forever: no message is ever
delivered. Subscribing first, then raising the flag, closes that race.
"""

from __future__ import annotations

from urllib.parse import urlparse

from broadcaster import Broadcast
from broadcaster._backends.redis import RedisBackend


class SubscribedFirstRedisBackend(RedisBackend):
    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()


def make_broadcast(url: str) -> Broadcast:
    if urlparse(url).scheme in ("redis", "rediss"):
        return Broadcast(backend=SubscribedFirstRedisBackend(url))
    return Broadcast(url)
