"""Channel queries: the channels, users' addresses, deliveries made once per event and
recipient, the next due delivery of each recipient, the delivery lease."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import (
    Channel,
    ChannelPreference,
    Delivery,
    Event,
    Lease,
    Notification,
    Ticket,
)

OPEN = ("PENDING", "FAILED")


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert  # type: ignore[union-attr]


async def live_channels(session: AsyncSession) -> list[Channel]:
    stmt = select(Channel).where(Channel.deleted_at.is_(None)).order_by(Channel.id)
    return list((await session.scalars(stmt)).all())


async def enabled_channels(session: AsyncSession) -> list[Channel]:
    stmt = (
        select(Channel)
        .where(Channel.deleted_at.is_(None), Channel.enabled.is_(True))
        .order_by(Channel.id)
    )
    return list((await session.scalars(stmt)).all())


async def preferences_of(
    session: AsyncSession, user_ids: Iterable[int]
) -> dict[int, ChannelPreference]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    stmt = select(ChannelPreference).where(ChannelPreference.user_id.in_(ids))
    return {row.user_id: row for row in (await session.scalars(stmt)).all()}


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Each (channel, event, recipient) once, whoever makes it first."""
    if not rows:
        return
    # One statement executed for many rows (executemany, insertmanyvalues), not one
    # VALUES list compiled afresh for every batch.
    stmt = _insert(session)(Delivery).on_conflict_do_nothing(
        index_elements=["channel_id", "event_sequence", "recipient_key"]
    )
    await session.execute(stmt, list(rows))


async def move_cursor(session: AsyncSession, channel_id: int, sequence: int) -> None:
    await session.execute(
        update(Channel)
        .where(Channel.id == channel_id, Channel.cursor < sequence)
        .values(cursor=sequence)
    )


async def due_deliveries(
    session: AsyncSession, channel_id: int, now: datetime, limit: int
) -> list[Delivery]:
    """The oldest open delivery of each stream, when it is due: a stream's later
    messages wait for the earlier ones (in order per recipient; per ticket for a
    webhook). The heads are found on the index of open deliveries only."""
    heads = (
        select(func.min(Delivery.id).label("id"))
        .where(Delivery.channel_id == channel_id, Delivery.status.in_(OPEN))
        .group_by(Delivery.stream)
        .subquery()
    )
    stmt = (
        select(Delivery)
        .join(heads, heads.c.id == Delivery.id)
        .where(Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def message_rows(
    session: AsyncSession, deliveries: Sequence[Delivery]
) -> tuple[dict[int, Event], dict[int, Ticket], dict[int, Notification]]:
    """What a round's messages are made of, three statements for the whole round: the
    events, tickets and notifications its deliveries name, by key."""
    sequences = {d.event_sequence for d in deliveries}
    ticket_ids = {d.ticket_id for d in deliveries if d.ticket_id is not None}
    note_ids = {d.notification_id for d in deliveries if d.notification_id is not None}
    events = (await session.scalars(select(Event).where(Event.sequence.in_(sequences)))).all()
    tickets = (
        (await session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))).all()
        if ticket_ids
        else []
    )
    notes = (
        (await session.scalars(select(Notification).where(Notification.id.in_(note_ids)))).all()
        if note_ids
        else []
    )
    return (
        {e.sequence: e for e in events},
        {t.id: t for t in tickets},
        {n.id: n for n in notes},
    )


async def next_due_at(session: AsyncSession) -> datetime | None:
    stmt = select(func.min(Delivery.next_attempt_at)).where(Delivery.status.in_(OPEN))
    return await session.scalar(stmt)


async def record_try(
    session: AsyncSession,
    delivery_id: int,
    *,
    status: str,
    attempts: int,
    next_attempt_at: datetime,
    last_error: str | None,
    sent_at: datetime | None,
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_error=last_error,
            sent_at=sent_at,
        )
    )


def deliveries_listed(
    channel_id: int | None, statuses: list[str] | None, notification_id: int | None
) -> Select[Any]:
    stmt = select(Delivery)
    if channel_id is not None:
        stmt = stmt.where(Delivery.channel_id == channel_id)
    if statuses:
        stmt = stmt.where(Delivery.status.in_(statuses))
    if notification_id is not None:
        stmt = stmt.where(Delivery.notification_id == notification_id)
    return stmt


async def lease_of(session: AsyncSession, name: str) -> Lease | None:
    return await session.get(Lease, name)


async def take_lease(
    session: AsyncSession, name: str, holder: str, now: datetime, until: datetime
) -> bool:
    """The lease for `holder` until `until` if it is free, expired or already its own."""
    await session.execute(
        _insert(session)(Lease)
        .values(name=name, holder=holder, expires_at=until)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    taken = await session.execute(
        update(Lease)
        .where(
            Lease.name == name,
            or_(Lease.holder == holder, and_(Lease.holder != holder, Lease.expires_at < now)),
        )
        .values(holder=holder, expires_at=until)
        .returning(Lease.name)
    )
    return taken.scalar_one_or_none() is not None


async def give_up_lease(session: AsyncSession, name: str, holder: str, now: datetime) -> None:
    """Lets another process take over at once (a clean stop)."""
    await session.execute(
        update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=now)
    )
