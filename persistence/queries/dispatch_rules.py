"""Automatic dispatch: the rules, the engineers' profiles with their open tickets, the
facts of a ticket the rules look at, and the lock that keeps limits under concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import EventType
from domain.roles import Role
from domain.tickets.lifecycle import OPEN, TicketStatus
from persistence.models import DispatchRule, EngineerProfile, Event, Region, Ticket, User
from persistence.queries.common import live_only

# Tickets that count against an engineer's maxOpenTickets: assigned and not finished.
ASSIGNED_OPEN = sorted(s.value for s in OPEN - {TicketStatus.NEW})


def rules_listed(include_deleted: bool = False) -> Select[Any]:
    return live_only(select(DispatchRule), DispatchRule, include_deleted)


async def active_rules(session: AsyncSession) -> list[DispatchRule]:
    stmt = (
        rules_listed()
        .where(DispatchRule.active.is_(True))
        .order_by(DispatchRule.priority, DispatchRule.id)
    )
    return list((await session.scalars(stmt)).all())


async def lock_profiles(session: AsyncSession) -> list[tuple[EngineerProfile, int]]:
    """Every enabled engineer's profile, locked (in user order, so concurrent dispatches
    queue instead of deadlocking), with their open tickets counted after the lock."""
    profiles = (
        select(EngineerProfile)
        .join(User, User.id == EngineerProfile.user_id)
        .where(
            User.role == Role.ENGINEER.value,
            User.enabled.is_(True),
            User.deleted_at.is_(None),
            EngineerProfile.deleted_at.is_(None),
        )
        .order_by(EngineerProfile.user_id)
        .with_for_update(of=EngineerProfile)
    )
    rows = list((await session.scalars(profiles)).all())
    if not rows:
        return []
    counts = await open_ticket_counts(session, [p.user_id for p in rows])
    return [(p, counts.get(p.user_id, 0)) for p in rows]


async def region_path(session: AsyncSession, region_id: int | None) -> frozenset[int]:
    """The region and every region above it (a province, city, county tree: a few steps)."""
    found: set[int] = set()
    while region_id is not None and region_id not in found:
        found.add(region_id)
        region_id = await session.scalar(select(Region.parent_id).where(Region.id == region_id))
    return frozenset(found)


async def decliners(session: AsyncSession, ticket_id: int) -> frozenset[int]:
    stmt = select(Event.previous_assignee_id).where(
        Event.ticket_id == ticket_id,
        Event.type == EventType.TICKET_DECLINED.value,
        Event.recipient_id.is_(None),
    )
    return frozenset(pk for pk in (await session.scalars(stmt)).all() if pk is not None)


async def open_ticket_counts(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    stmt = (
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(user_ids), Ticket.status.in_(ASSIGNED_OPEN))
        .group_by(Ticket.assignee_id)
    )
    return {int(pk): int(n) for pk, n in (await session.execute(stmt)).all()}


def profiles_listed() -> Select[Any]:
    return live_only(select(EngineerProfile), EngineerProfile, False)
