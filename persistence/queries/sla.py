"""SLA reads and the job's set-based claims.

The clock job never reads tickets one by one to find what is due: per target and kind
of alert it runs one UPDATE that flips the flag on every due row not yet flagged and
returns their ids (`claim_due`). The flag is the exactly-once guarantee: a row is
returned to one transaction only, however many processes run the job at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import (
    BusinessCalendar,
    CalendarDay,
    Customer,
    SlaBreach,
    SlaPolicy,
    Ticket,
    TicketSla,
)
from persistence.queries.common import live_only

# -- calendars ------------------------------------------------------------------------


def calendars_listed(include_deleted: bool = False) -> Select[Any]:
    return live_only(select(BusinessCalendar), BusinessCalendar, include_deleted)


async def calendar_days(session: AsyncSession, calendar_ids: Sequence[int]) -> list[CalendarDay]:
    stmt = (
        select(CalendarDay)
        .where(CalendarDay.calendar_id.in_(calendar_ids))
        .order_by(CalendarDay.calendar_id, CalendarDay.day)
    )
    return list((await session.scalars(stmt)).all())


async def calendar_name_taken(session: AsyncSession, name: str) -> bool:
    stmt = select(BusinessCalendar.id).where(
        BusinessCalendar.name == name, BusinessCalendar.deleted_at.is_(None)
    )
    return (await session.scalar(stmt)) is not None


# -- policies -------------------------------------------------------------------------


def policies_listed(include_deleted: bool = False) -> Select[Any]:
    return live_only(select(SlaPolicy), SlaPolicy, include_deleted)


async def active_policies(session: AsyncSession, severity: int) -> list[SlaPolicy]:
    stmt = select(SlaPolicy).where(
        SlaPolicy.severity == severity,
        SlaPolicy.active.is_(True),
        SlaPolicy.deleted_at.is_(None),
    )
    return list((await session.scalars(stmt)).all())


# -- clocks ---------------------------------------------------------------------------


async def clocks_of(session: AsyncSession, ticket_ids: Sequence[int]) -> list[TicketSla]:
    stmt = select(TicketSla).where(TicketSla.ticket_id.in_(ticket_ids))
    return list((await session.scalars(stmt)).all())


async def claim_due(
    session: AsyncSession, target: str, alert: str, now: datetime, limit: int
) -> list[int]:
    """Flags up to `limit` clocks whose `target` is due for `alert` ("warned" or
    "breached") and returns their ticket ids. Due for a warning: unmet, not yet warned
    nor breached, its warning time passed (before any hold began) and not yet due (a
    clock found past due goes straight to its breach). Due for a breach: not yet
    breached, due time passed (before any hold began), unmet or met late; a finished
    ticket breaches only for a target met late."""
    column = TicketSla.target_column
    due_at, warn_at = column(target, "due_at"), column(target, "warn_at")
    met_at = column(target, "met_at")
    warned, breached = column(target, "warned"), column(target, "breached")
    hold_since = select(Ticket.hold_since).where(Ticket.id == TicketSla.ticket_id).scalar_subquery()
    if alert == "warned":
        flag = warned
        due = and_(
            TicketSla.stopped_at.is_(None),
            met_at.is_(None),
            warned.is_(False),
            breached.is_(False),
            warn_at <= now,
            due_at > now,
            or_(hold_since.is_(None), warn_at <= hold_since),
        )
    else:
        flag = breached
        due = and_(
            breached.is_(False),
            due_at <= now,
            or_(
                and_(met_at.is_(None), TicketSla.stopped_at.is_(None)),
                met_at > due_at,
            ),
            or_(hold_since.is_(None), due_at <= hold_since),
        )
    chosen = select(TicketSla.ticket_id).where(due).order_by(due_at).limit(limit)
    stmt = (
        update(TicketSla)
        .where(TicketSla.ticket_id.in_(chosen), flag.is_(False))
        .values({flag.key: True})
        .returning(TicketSla.ticket_id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(stmt)).all())


async def tickets_with_customers(
    session: AsyncSession, ticket_ids: Sequence[int]
) -> list[tuple[Ticket, Customer]]:
    stmt = (
        select(Ticket, Customer)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.id.in_(ticket_ids))
        .order_by(Ticket.id)
    )
    return [(t, c) for t, c in (await session.execute(stmt)).all()]


async def breaches_of(session: AsyncSession, ticket_ids: Sequence[int]) -> list[SlaBreach]:
    stmt = select(SlaBreach).where(SlaBreach.ticket_id.in_(ticket_ids)).order_by(SlaBreach.id)
    return list((await session.scalars(stmt)).all())


async def all_policies(session: AsyncSession) -> list[SlaPolicy]:
    """Live policies by severity, then the most recent first."""
    stmt = policies_listed().order_by(SlaPolicy.severity, SlaPolicy.id.desc())
    return list((await session.scalars(stmt)).all())


async def all_calendars(session: AsyncSession) -> list[BusinessCalendar]:
    return list((await session.scalars(calendars_listed().order_by(BusinessCalendar.id))).all())
