"""The per-process relay: reads committed events from the table in sequence order and
fans them out to this process's subscribers.

The event table is the truth; the broker only wakes processes up. Each process reads
`sequence > position` on every wake-up (a local commit, a broker message from another
process) and on a short timer, so a lost broker message costs latency, never an event.
broadcaster's listener dies silently when its connection drops: a heartbeat through
the broker notices the silence and the relay reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from broadcaster import Broadcast
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.events import EventFacts, EventType
from persistence.events import events_after, facts_of, last_sequence
from persistence.models import Event
from realtime.brokers import make_broadcast

log = logging.getLogger("aftersales.relay")

CHANNEL = "aftersales_events"
BATCH = 500
# A wake-up publish that takes longer than this is given up (the others poll anyway).
PUBLISH_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as read from the table, shared read-only by every subscriber."""

    sequence: int
    type: EventType
    at: Any
    actor_id: int | None
    facts: EventFacts
    payload: dict[str, Any]
    # Per-event scratch space shared by every subscriber of this process that delivers
    # this event (e.g. one set of fresh DataLoaders for all of them); gone with the event.
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: Event) -> EventRecord:
        return cls(
            sequence=row.sequence,
            type=EventType(row.type),
            at=row.at,
            actor_id=row.actor_id,
            facts=facts_of(row),
            payload=dict(row.payload or {}),
        )


class SubscriberTooSlow(Exception):
    """The subscriber's bounded queue overflowed; it must resume with `since`."""


_OVERFLOW = object()


@dataclass(eq=False)
class Feed:
    """One subscriber's bounded queue of live events after `start`."""

    start: int
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    overflowed: bool = False

    def offer(self, record: EventRecord) -> bool:
        if self.overflowed:
            return False
        try:
            self.queue.put_nowait(record)
            return True
        except asyncio.QueueFull:
            # Drop what is queued and leave only the signal: memory stays bounded.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_OVERFLOW)
            return False

    async def next(self, wait: float) -> EventRecord | None:
        """The next live event, or None when `wait` seconds pass without one."""
        if self.queue.empty():
            try:
                # A deadline on this task (no extra task per event, as wait_for makes).
                async with asyncio.timeout(wait):
                    item = await self.queue.get()
            except TimeoutError:
                return None
        else:
            item = self.queue.get_nowait()
        if item is _OVERFLOW:
            raise SubscriberTooSlow
        return item


class Relay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        broadcast_url: str,
        *,
        poll_interval: float = 1.0,
        heartbeat_interval: float = 5.0,
        queue_size: int = 1000,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._broadcast_url = broadcast_url
        self.poll_interval = poll_interval
        self.heartbeat_interval = heartbeat_interval
        self.queue_size = queue_size
        self.position = 0
        self._feeds: set[Feed] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._broadcast: Broadcast | None = None
        self._token = secrets.token_hex(4)
        self._stopping = False
        self._to_publish = 0
        self._publish_wanted = asyncio.Event()
        # Told (synchronously, no argument) whenever new events were read: the
        # deliveries outside the app start at once instead of at their next poll.
        self._listeners: list[Callable[[], None]] = []

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        async with self._sessionmaker() as session:
            self.position = await last_sequence(session)
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="relay-read"),
            asyncio.create_task(self._broker_loop(), name="relay-broker"),
            asyncio.create_task(self._publish_loop(), name="relay-publish"),
        ]

    async def stop(self) -> None:
        # The loops also end on `_stopping`: on Python 3.11 a cancel that lands while
        # `asyncio.wait_for` times out can be swallowed (bpo-42130), and a loop that
        # lost its cancel would keep the server from shutting down.
        self._stopping = True
        self._wake.set()
        self._publish_wanted.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._disconnect()

    # -- subscribers -------------------------------------------------------------

    def subscribe(self) -> Feed:
        """A feed of every event after the current position (registered atomically:
        no await between reading the position and joining the fan-out)."""
        feed = Feed(start=self.position, queue=asyncio.Queue(maxsize=self.queue_size))
        self._feeds.add(feed)
        return feed

    def unsubscribe(self, feed: Feed) -> None:
        self._feeds.discard(feed)

    def on_new_events(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    @property
    def subscriber_count(self) -> int:
        return len(self._feeds)

    # -- wake-ups ----------------------------------------------------------------

    def announce(self, sequence: int) -> None:
        """After a local commit: read at once here, and wake the other processes. Never
        waits: the wake-up is published in the background (a paused broker must not
        hold a mutation's answer), the newest sequence only, one publish at a time."""
        self._wake.set()
        self._to_publish = max(self._to_publish, sequence)
        self._publish_wanted.set()

    async def _publish_loop(self) -> None:
        while not self._stopping:
            await self._publish_wanted.wait()
            self._publish_wanted.clear()
            broadcast = self._broadcast
            if broadcast is None:
                continue
            try:
                async with asyncio.timeout(PUBLISH_TIMEOUT):
                    await broadcast.publish(CHANNEL, f"event:{self._to_publish}")
            except asyncio.CancelledError:
                raise
            except Exception:
                # The event is stored; the other processes' timers will find it.
                # The listener's heartbeat check notices a dead broker and reconnects.
                log.warning("could not publish a wake-up to the broker")

    async def _read_loop(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            try:
                await self._catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay could not read events; retrying")
                await asyncio.sleep(self.poll_interval)

    async def _catch_up(self) -> None:
        while True:
            async with self._sessionmaker() as session:
                rows = await events_after(session, self.position, limit=BATCH)
            for row in rows:
                record = EventRecord.from_row(row)
                # No await in this loop: a feed registered at position P gets every event > P.
                self.position = record.sequence
                for feed in list(self._feeds):
                    if not feed.offer(record):
                        self._feeds.discard(feed)
            if rows:
                for listener in self._listeners:
                    listener()
            if len(rows) < BATCH:
                return

    # -- the broker ----------------------------------------------------------------

    async def _broker_loop(self) -> None:
        while not self._stopping:
            try:
                await self._connect()
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("broker connection lost (%s); reconnecting", type(exc).__name__)
            await self._disconnect()
            await asyncio.sleep(1.0)

    async def _connect(self) -> None:
        broadcast = make_broadcast(self._broadcast_url)
        await broadcast.connect()
        self._broadcast = broadcast
        log.info("relay connected to the broker (%s)", self._broadcast_url.split("://")[0])

    async def _disconnect(self) -> None:
        broadcast, self._broadcast = self._broadcast, None
        if broadcast is not None:
            with contextlib.suppress(Exception):
                await broadcast.disconnect()

    async def _listen(self) -> None:
        assert self._broadcast is not None
        broadcast = self._broadcast
        async with broadcast.subscribe(CHANNEL) as subscriber:
            heartbeat = asyncio.create_task(self._heartbeat(broadcast))
            try:
                while True:
                    try:
                        message = await asyncio.wait_for(
                            subscriber.get(), self.heartbeat_interval * 3
                        )
                    except TimeoutError:
                        # Not even our own heartbeat came back: the listener is dead.
                        raise ConnectionError("no message from the broker") from None
                    if message.message.startswith("event:"):
                        self._wake.set()
                    if heartbeat.done():
                        heartbeat.result()  # surfaces a publish failure
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await heartbeat

    async def _heartbeat(self, broadcast: Broadcast) -> None:
        while True:
            await broadcast.publish(CHANNEL, f"ping:{self._token}")
            await asyncio.sleep(self.heartbeat_interval)
