"""Deliveries outside the app, driven from the event table like the relay.

One process at a time delivers (the `deliveries` lease, renewed every poll; when its
holder stops renewing, another process takes over once it expires). The holder:

* turns new events into deliveries, per channel from its own cursor: a NOTIFICATION
  (a new one, not its handling) to each recipient the channel reaches and who wants
  its kind; to a webhook, every ticket event and the notifications of the kinds it
  carries, in one stream. Deliveries are unique per (channel,
  event, recipient) and the cursor moves in the same transaction: nothing is made
  twice, nothing is skipped, across restarts;
* runs one worker per channel: the oldest open delivery of each stream (a recipient;
  for a webhook, a ticket: tickets go out side by side, each in order), when due,
  at most CONCURRENCY at a time, each bounded by a timeout; SENT, or FAILED with the
  next try after a backoff with jitter, or GAVE_UP after `maxAttempts` (or at once
  when trying again cannot help). A slow or dead endpoint holds its own worker only:
  the API, live subscriptions and the other channels do not wait for it.

At least once: a delivery sent but not yet recorded when its process dies is sent
again by the next holder (a webhook receiver dedupes by `X-Aftersales-Delivery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Histogram

from domain.channels.config import ChannelKind, DeliveryStatus
from domain.channels.delivery import Outcome, Result, address_of, backoff, status_after, wanted
from domain.events import TICKET_EVENTS, EventType
from persistence.db import write_options
from persistence.events import events_after, last_sequence
from persistence.models import Channel, Delivery, Event, Notification, Ticket
from persistence.queries import channels as channel_rows
from persistence.types import utcnow
from resolvers.channels.secrets import SecretsUnreadable, unseal
from resolvers.channels.senders import Message, Senders, Target
from resolvers.ids import encode_id

if TYPE_CHECKING:
    from resolvers.context import Services

log = logging.getLogger("aftersales.deliveries")

TRIES = Counter(
    "aftersales_delivery_tries_total",
    "Tries of deliveries outside the app, by channel kind and resulting status",
    ["kind", "status"],
)
LAG = Histogram(
    "aftersales_delivery_lag_seconds",
    "From a delivery's event to its sending (sent deliveries)",
    ["kind"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600),
)

LEASE = "deliveries"
# Events read per fan-out transaction; the loop yields between batches, so a burst of
# events never holds the API's event loop for long.
BATCH = 200
CONCURRENCY = 8
SEND_TIMEOUT = 20.0


def writing(services: Services) -> Any:
    """A session for a transaction that writes (on SQLite: BEGIN IMMEDIATE, so that it
    queues behind other writers instead of failing with "database is locked")."""
    return services.sessionmaker(execution_options=write_options())


def target_of(services: Services, channel: Channel) -> Target:
    return Target(
        id=channel.id,
        kind=ChannelKind(channel.kind),
        config=dict(channel.config or {}),
        secrets=unseal(services.signing_key, channel.secrets),
    )


def deliveries_for(
    channel: Channel, event: Event, preferences: dict[int, Any], now: datetime
) -> list[dict[str, Any]]:
    """The deliveries one event makes by one channel."""
    kind = ChannelKind(channel.kind)
    base = {
        "channel_id": channel.id,
        "event_sequence": event.sequence,
        "event_type": event.type,
        "ticket_id": event.ticket_id,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    payload = event.payload or {}
    notification_kind = str(payload.get("kind", ""))
    is_new_notification = event.type == EventType.NOTIFICATION.value and not payload.get("handled")
    if kind is ChannelKind.WEBHOOK:
        # Every ticket change, and the notifications of the kinds it carries (every kind
        # when none are named); each ticket's in order, tickets side by side.
        if EventType(event.type) in TICKET_EVENTS or (
            is_new_notification
            and wanted(channel.notification_kinds or [], None, notification_kind)
        ):
            notification_id = payload.get("notificationId") if is_new_notification else None
            if event.ticket_id is not None:
                stream = f"ticket:{event.ticket_id}"
            else:
                stream = f"user:{event.recipient_id}" if event.recipient_id else "service"
            return [
                {
                    **base,
                    "recipient_key": 0,
                    "stream": stream,
                    "address": None,
                    "notification_id": notification_id,
                }
            ]
        return []
    if not is_new_notification:
        return []
    recipient = event.recipient_id
    preference = preferences.get(recipient) if recipient is not None else None
    if recipient is None or preference is None:
        return []
    address = address_of(kind, preference.wecom_user_id, preference.email)
    if not address or not wanted(
        channel.notification_kinds or [], preference.kinds, notification_kind
    ):
        return []
    return [
        {
            **base,
            "recipient_key": recipient,
            "stream": f"user:{recipient}",
            "address": address,
            "notification_id": payload.get("notificationId"),
        }
    ]


async def fan_out(services: Services, channel_id: int) -> int:
    """New events since the channel's cursor into deliveries; returns how many events
    were read (BATCH: there may be more)."""
    async with writing(services) as session, session.begin():
        channel = await session.get(Channel, channel_id, with_for_update=True)
        if channel is None or not channel.enabled or channel.deleted_at is not None:
            return 0
        events = await events_after(session, channel.cursor, limit=BATCH)
        if not events:
            return 0
        recipients = [e.recipient_id for e in events if e.recipient_id is not None]
        preferences = await channel_rows.preferences_of(session, recipients)
        now = utcnow()
        rows = [row for e in events for row in deliveries_for(channel, e, preferences, now)]
        await channel_rows.add_deliveries(session, rows)
        await channel_rows.move_cursor(session, channel.id, events[-1].sequence)
        return len(events)


async def start_cursor(services: Services) -> int:
    """Where a new (or re-enabled) channel starts: now, not the whole history."""
    async with services.sessionmaker() as session:
        return await last_sequence(session)


# -- the message ----------------------------------------------------------------------


async def messages_of(services: Services, deliveries: list[Delivery]) -> dict[int, Message]:
    """The messages of a round of deliveries, by delivery id (read in one session)."""
    async with services.sessionmaker() as session:
        events, tickets, notes = await channel_rows.message_rows(session, deliveries)
    return {
        d.id: message_of(
            services,
            d,
            events.get(d.event_sequence),
            None if d.ticket_id is None else tickets.get(d.ticket_id),
            None if d.notification_id is None else notes.get(d.notification_id),
        )
        for d in deliveries
    }


def message_of(
    services: Services,
    delivery: Delivery,
    event: Event | None,
    ticket: Ticket | None,
    note: Notification | None,
) -> Message:
    payload = dict(event.payload or {}) if event is not None else {}
    at = (event.at if event is not None else delivery.created_at).isoformat()
    ticket_doc = None
    link = services.settings.public_url.rstrip("/")
    number = ""
    if ticket is not None:
        ticket_gid = encode_id("Ticket", ticket.id)
        number = ticket.number or ""
        link = f"{link}/tickets/{ticket_gid}"
        ticket_doc = {
            "id": ticket_gid,
            "number": ticket.number,
            "kind": ticket.kind,
            # As of the event (its payload), not as the ticket may be by now.
            "status": payload.get("status", ticket.status),
            "version": payload.get("version", ticket.version),
            "severity": ticket.severity,
            "description": ticket.description,
        }
    note_doc = None
    if note is not None:
        note_doc = {
            "id": encode_id("Notification", note.id),
            "kind": note.kind,
            "message": note.message,
        }
        title = f"{number} {note.kind}".strip()
        description = note.message
    else:
        title = f"{number} {delivery.event_type}".strip()
        description = ticket.description if ticket is not None else delivery.event_type
    return Message(
        delivery_id=encode_id("Delivery", delivery.id),
        event_type=delivery.event_type,
        at=at,
        title=title,
        description=description,
        url=link,
        ticket=ticket_doc,
        notification=note_doc,
    )


# -- sending ---------------------------------------------------------------------------


async def attempt(
    services: Services,
    senders: Senders,
    delivery: Delivery,
    message: Message,
    target: Target,
    max_attempts: int,
) -> DeliveryStatus:
    """One try of one delivery, recorded."""
    try:
        result = await asyncio.wait_for(
            senders.send(target, delivery.address, message), SEND_TIMEOUT
        )
    except TimeoutError:
        result = Result(Outcome.RETRY, "timed out")
    tries = delivery.attempts + 1
    status = status_after(result, tries, max_attempts)
    now = utcnow()
    wait = backoff(tries, base=timedelta(seconds=services.settings.delivery_backoff_seconds))
    if result.retry_after is not None:
        wait = max(wait, result.retry_after)
    async with writing(services) as session, session.begin():
        await channel_rows.record_try(
            session,
            delivery.id,
            status=status.value,
            attempts=tries,
            next_attempt_at=now + wait if status is DeliveryStatus.FAILED else now,
            last_error=None if status is DeliveryStatus.SENT else result.detail[:500],
            sent_at=now if status is DeliveryStatus.SENT else None,
        )
    TRIES.labels(target.kind.value, status.value).inc()
    if status is DeliveryStatus.SENT:
        LAG.labels(target.kind.value).observe((now - delivery.created_at).total_seconds())
    else:
        log.info(
            "delivery %s by channel %s: %s (%s)",
            delivery.id,
            target.id,
            status.value,
            result.detail,
        )
    return status


async def send_due(services: Services, senders: Senders, channel_id: int) -> int:
    """One round of a channel's worker: the due deliveries, CONCURRENCY at a time."""
    async with services.sessionmaker() as session:
        channel = await session.get(Channel, channel_id)
        if channel is None or not channel.enabled or channel.deleted_at is not None:
            return 0
        due = await channel_rows.due_deliveries(session, channel_id, utcnow(), CONCURRENCY)
    if not due:
        return 0
    try:
        target = target_of(services, channel)
    except SecretsUnreadable as exc:
        log.warning("channel %s: %s", channel_id, exc)
        return 0
    messages = await messages_of(services, due)
    await asyncio.gather(
        *(attempt(services, senders, d, messages[d.id], target, channel.max_attempts) for d in due)
    )
    return len(due)


class Deliverer:
    """The loop of one process: holds the lease or waits for it (see the module)."""

    def __init__(
        self, services: Services, *, poll_seconds: float = 1.0, lease_seconds: float = 30.0
    ) -> None:
        self.services = services
        self.poll = poll_seconds
        self.lease_for = timedelta(seconds=lease_seconds)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.senders = Senders(allow_private=services.settings.webhook_allow_private)
        self._task: asyncio.Task[None] | None = None
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._stopping = False
        self._wake = asyncio.Event()
        # Set (and cleared at once) when new deliveries were made: idle workers look.
        self._more = asyncio.Event()

    async def start(self) -> None:
        if self.services.relay is not None:
            # New events (committed here, or announced by another process through the
            # broker) start a round at once; the poll is the fallback.
            self.services.relay.on_new_events(self.wake)
        self._task = asyncio.create_task(self._supervise(), name="deliveries")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        for task in [self._task, *self._workers.values()]:
            if task is not None:
                task.cancel()
        for task in [self._task, *self._workers.values()]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._workers.clear()
        try:
            async with self._writing() as session, session.begin():
                await channel_rows.give_up_lease(session, LEASE, self.holder, utcnow())
        except Exception as exc:
            log.warning("could not hand the delivery lease over: %s", type(exc).__name__)
        await self.senders.close()

    def _writing(self) -> Any:
        return writing(self.services)

    async def _hold(self) -> bool:
        """Whether this process delivers now. Read first: a write (the lease taken or
        renewed) only when it is free, expired, or ours and half gone."""
        now = utcnow()
        async with self.services.sessionmaker() as session:
            lease = await channel_rows.lease_of(session, LEASE)
        if lease is not None and lease.expires_at > now:
            if lease.holder != self.holder:
                return False
            if lease.expires_at - now > self.lease_for / 2:
                return True
        async with self._writing() as session, session.begin():
            return await channel_rows.take_lease(
                session, LEASE, self.holder, now, now + self.lease_for
            )

    async def _supervise(self) -> None:
        while not self._stopping:
            try:
                async with self.services.sessionmaker() as session:
                    channels = await channel_rows.enabled_channels(session)
                # No channel: nothing to hold a lease for (no write every poll).
                if channels and await self._hold():
                    await self._round(channels)
                else:
                    self._stop_workers()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            self._wake.clear()

    async def _round(self, channels: list[Channel]) -> None:
        async with self.services.sessionmaker() as session:
            newest = await last_sequence(session)
        for channel in channels:
            # Only a channel with new events takes a write transaction.
            if channel.cursor < newest:
                read = BATCH
                while read == BATCH:
                    read = await fan_out(self.services, channel.id)
                    self._more.set()
                    self._more.clear()
                    # Let the API's requests in between batches of a burst.
                    await asyncio.sleep(0.01)
        wanted_ids = {c.id for c in channels}
        for channel_id in list(self._workers):
            if channel_id not in wanted_ids or self._workers[channel_id].done():
                self._workers.pop(channel_id).cancel()
        for channel_id in wanted_ids - set(self._workers):
            self._workers[channel_id] = asyncio.create_task(
                self._work(channel_id), name=f"deliveries-{channel_id}"
            )

    def _stop_workers(self) -> None:
        for task in self._workers.values():
            task.cancel()
        self._workers.clear()

    async def _work(self, channel_id: int) -> None:
        while not self._stopping:
            try:
                sent = await send_due(self.services, self.senders, channel_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("channel %s: a delivery round failed", channel_id)
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._more.wait(), self.poll)
