"""The event table: appended in the changing transaction, read by the relay and replay.

Sequence numbers are taken under one lock held until commit (PostgreSQL: a
transaction-level advisory lock; SQLite: the database write lock every writer
already holds), so a transaction can only number its events after every earlier
numbering transaction has committed. Sequence order is therefore commit order, and a
reader that has seen N can never later find a committed event below N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import EventFacts, EventType, check_payload
from persistence.models import Customer, Event, Ticket
from persistence.types import utcnow

# Any constant shared by all processes; names the advisory lock that orders events.
EVENT_SEQUENCE_LOCK = 0x61667473  # "afts"


@dataclass
class NewEvent:
    """An event to be stored with the change that causes it; its payload is checked
    against its type's shape (domain.events) when it is made."""

    type: EventType
    actor_id: int | None
    facts: EventFacts = field(default_factory=EventFacts)
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_payload(self.type, self.payload)


def facts_columns(facts: EventFacts) -> dict[str, Any]:
    """The event table's columns for the facts (declared once, in domain.events)."""
    return {f.name: getattr(facts, f.name) for f in fields(EventFacts)}


def facts_of(row: Event) -> EventFacts:
    return EventFacts(**{f.name: getattr(row, f.name) for f in fields(EventFacts)})


def ticket_snapshot(ticket: Ticket) -> dict[str, Any]:
    """What a ticket event records of the ticket's state right after the change."""
    return {"status": ticket.status, "version": ticket.version, "assigneeId": ticket.assignee_id}


def ticket_facts(
    ticket: Ticket, customer: Customer, previous_assignee_id: int | None = None
) -> EventFacts:
    """What decides who may see an event about `ticket`, as the ticket is now."""
    return EventFacts(
        ticket_id=ticket.id,
        kind=ticket.kind,
        customer_id=ticket.customer_id,
        customer_agent_id=customer.agent_id,
        assignee_id=ticket.assignee_id,
        previous_assignee_id=previous_assignee_id,
    )


def ticket_event(
    type_: EventType,
    ticket: Ticket,
    customer: Customer,
    *,
    actor_id: int | None,
    previous_assignee_id: int | None = None,
    **details: Any,
) -> NewEvent:
    """The event of one ticket change, carrying what decides who may see it."""
    return NewEvent(
        type=type_,
        actor_id=actor_id,
        facts=ticket_facts(ticket, customer, previous_assignee_id),
        payload={**ticket_snapshot(ticket), **details},
    )


async def append_events(session: AsyncSession, events: Sequence[NewEvent]) -> list[Event]:
    """Numbers and inserts `events`; call last in the transaction (the lock is held to commit)."""
    if not events:
        return []
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_SEQUENCE_LOCK}
        )
    last = await session.scalar(select(func.coalesce(func.max(Event.sequence), 0)))
    now = utcnow()
    rows = [
        Event(
            sequence=(last or 0) + offset,
            type=event.type.value,
            at=now,
            actor_id=event.actor_id,
            payload=event.payload,
            **facts_columns(event.facts),
        )
        for offset, event in enumerate(events, start=1)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def last_sequence(session: AsyncSession) -> int:
    return (await session.scalar(select(func.coalesce(func.max(Event.sequence), 0)))) or 0


async def events_after(
    session: AsyncSession, after: int, *, up_to: int | None = None, limit: int = 500
) -> list[Event]:
    stmt = select(Event).where(Event.sequence > after).order_by(Event.sequence).limit(limit)
    if up_to is not None:
        stmt = stmt.where(Event.sequence <= up_to)
    return list((await session.scalars(stmt)).all())


async def ticket_history(session: AsyncSession, ticket_ids: Sequence[int]) -> list[Event]:
    stmt = (
        select(Event)
        .where(Event.ticket_id.in_(ticket_ids), Event.recipient_id.is_(None))
        .order_by(Event.sequence)
    )
    return list((await session.scalars(stmt)).all())
