"""Ticket queries that carry the row rules into SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, false, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.roles import Actor, Role
from domain.tickets.access import KindRestriction as Restriction
from domain.tickets.access import allowed_kinds
from domain.tickets.lifecycle import DISPATCHERS, TicketKind
from persistence.models import (
    Customer,
    DepotStepRecord,
    Event,
    IdempotencyKey,
    KindRestriction,
    Ticket,
    TicketSla,
    User,
)
from persistence.queries.common import search_clause


def tickets_in_scope(stmt: Select[Any], actor: Actor, kinds: Iterable[TicketKind]) -> Select[Any]:
    """What `domain.tickets.access.can_see` admits, as a WHERE clause."""
    kinds = list(kinds)
    stmt = stmt.where(Ticket.kind.in_([k.value for k in kinds]) if kinds else false())
    if actor.role in DISPATCHERS:
        return stmt.where(true())
    if actor.role is Role.ENGINEER:
        return stmt.where(Ticket.assignee_id == actor.user_id)
    if actor.role is Role.CUSTOMER and actor.customer_id is not None:
        return stmt.where(Ticket.customer_id == actor.customer_id)
    if actor.role is Role.AGENT and actor.agent_id is not None:
        return stmt.where(
            Ticket.customer_id.in_(select(Customer.id).where(Customer.agent_id == actor.agent_id))
        )
    return stmt.where(false())


# The ticket-kind limits that apply to a user: their own, or their role's.
LIMITS_OF_USER = or_(KindRestriction.user_id == User.id, KindRestriction.role == User.role)


def restriction_of(row: KindRestriction) -> Restriction:
    return Restriction(
        kinds=frozenset(TicketKind(k) for k in row.kinds),
        role=Role(row.role) if row.role else None,
        user_id=row.user_id,
    )


async def kinds_for(session: AsyncSession, user_id: int, role: Role) -> frozenset[TicketKind]:
    """The kinds a user (not the one asking: e.g. an engineer being dispatched) handles."""
    rows = (
        await session.scalars(
            select(KindRestriction).where(
                or_(KindRestriction.user_id == user_id, KindRestriction.role == role.value)
            )
        )
    ).all()
    probe = Actor(user_id=user_id, username="", role=role)
    return allowed_kinds(probe, [restriction_of(row) for row in rows])


async def customer_has_account(session: AsyncSession, customer_id: int) -> bool:
    """Whether the customer can confirm for itself (an enabled CUSTOMER user exists)."""
    stmt = select(
        exists().where(
            User.customer_id == customer_id,
            User.role == Role.CUSTOMER.value,
            User.enabled.is_(True),
            User.deleted_at.is_(None),
        )
    )
    return bool(await session.scalar(stmt))


async def customer_user_ids(session: AsyncSession, customer_id: int) -> list[int]:
    stmt = select(User.id).where(
        User.customer_id == customer_id,
        User.role == Role.CUSTOMER.value,
        User.enabled.is_(True),
        User.deleted_at.is_(None),
    )
    return list((await session.scalars(stmt)).all())


async def user_ids_with_roles(
    session: AsyncSession, roles: Iterable[Role], *, handling: str | None = None
) -> list[int]:
    """Enabled users of `roles`; with `handling` (a ticket kind), only those whose
    ticket-kind limits admit it (one statement: users with the limits that apply)."""
    active = (
        User.role.in_([r.value for r in roles]),
        User.enabled.is_(True),
        User.deleted_at.is_(None),
    )
    if handling is None:
        return list((await session.scalars(select(User.id).where(*active))).all())
    stmt = (
        select(User.id, User.role, KindRestriction)
        .outerjoin(KindRestriction, LIMITS_OF_USER)
        .where(*active)
        .order_by(User.id)
    )
    limits: dict[int, tuple[Role, list[Restriction]]] = {}
    for user_id, role, restriction in (await session.execute(stmt)).all():
        _, found = limits.setdefault(user_id, (Role(role), []))
        if restriction is not None:
            found.append(restriction_of(restriction))
    kind = TicketKind(handling)
    return [
        user_id
        for user_id, (role, found) in limits.items()
        if kind in allowed_kinds(Actor(user_id=user_id, username="", role=role), found)
    ]


async def was_assigned(session: AsyncSession, ticket_id: int, user_id: int) -> bool:
    """Whether the ticket was ever this engineer's (its events remember every assignee)."""
    stmt = select(
        exists().where(
            Event.ticket_id == ticket_id,
            or_(Event.assignee_id == user_id, Event.previous_assignee_id == user_id),
        )
    )
    return bool(await session.scalar(stmt))


def tickets_listed(
    actor: Actor,
    kinds: Iterable[TicketKind],
    *,
    statuses: Iterable[str] = (),
    kind: str | None = None,
    severity: int | None = None,
    customer_id: int | None = None,
    assignee_id: int | None = None,
    search: str | None = None,
    sla_states: Iterable[str] = (),
    device_id: int | None = None,
) -> Select[Any]:
    """The tickets a reader may see (scoped as `tickets_in_scope`), filtered."""
    stmt = tickets_in_scope(select(Ticket), actor, kinds)
    if statuses := list(statuses):
        stmt = stmt.where(Ticket.status.in_(statuses))
    if kind is not None:
        stmt = stmt.where(Ticket.kind == kind)
    if severity is not None:
        stmt = stmt.where(Ticket.severity == severity)
    if customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == customer_id)
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    if device_id is not None:
        stmt = stmt.where(Ticket.device_id == device_id)
    if sla_states := list(sla_states):
        clocks = select(TicketSla.ticket_id).where(TicketSla.state.in_(sla_states))
        stmt = stmt.where(Ticket.id.in_(clocks))
    clause = search_clause(search, Ticket.number, Ticket.description, Ticket.contact_name)
    if clause is None:
        return stmt
    # The customer's name too (the row rules above still decide which tickets show).
    by_customer = search_clause(search, Customer.name)
    return stmt.where(or_(clause, Ticket.customer_id.in_(select(Customer.id).where(by_customer))))


async def set_ticket_number(session: AsyncSession, row: Ticket, number: str) -> None:
    """Writes a new ticket's number (it derives from the id) by a plain UPDATE, so that
    creation stays version 1 (the ORM would count it as a change)."""
    await session.execute(update(Ticket).where(Ticket.id == row.id).values(number=number))
    set_committed_value(row, "number", number)


async def idempotency_key(session: AsyncSession, user_id: int, key: str) -> IdempotencyKey | None:
    return await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )


async def kind_restrictions(session: AsyncSession) -> list[KindRestriction]:
    stmt = select(KindRestriction).where(KindRestriction.deleted_at.is_(None))
    return list((await session.scalars(stmt.order_by(KindRestriction.id))).all())


async def kind_restriction_of(
    session: AsyncSession, *, user_id: int | None = None, role: str | None = None
) -> KindRestriction | None:
    """The limit set for one user, or for one role."""
    if user_id is not None:
        stmt = select(KindRestriction).where(KindRestriction.user_id == user_id)
    else:
        stmt = select(KindRestriction).where(KindRestriction.role == role)
    return await session.scalar(stmt)


async def claim_close_reminders(
    session: AsyncSession, cutoff: datetime, now: datetime
) -> list[int]:
    """Marks reminded the close requests made at or before `cutoff` and not yet
    reminded; returns their ticket ids (each to one transaction only). A plain UPDATE:
    a reminder is no change of the ticket (no new version)."""
    stmt = (
        update(Ticket)
        .where(
            Ticket.status == "CLOSE_REQUESTED",
            Ticket.close_requested_at <= cutoff,
            Ticket.close_reminded_at.is_(None),
        )
        .values(close_reminded_at=now)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(stmt)).all())


async def unanswered_close_requests(session: AsyncSession, cutoff: datetime) -> list[int]:
    stmt = (
        select(Ticket.id)
        .where(Ticket.status == "CLOSE_REQUESTED", Ticket.close_requested_at <= cutoff)
        .order_by(Ticket.close_requested_at)
    )
    return list((await session.scalars(stmt)).all())


async def last_depot_step(session: AsyncSession, ticket_id: int) -> str | None:
    stmt = (
        select(DepotStepRecord.step)
        .where(DepotStepRecord.ticket_id == ticket_id)
        .order_by(DepotStepRecord.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def depot_steps_of(session: AsyncSession, ticket_ids: Sequence[int]) -> list[DepotStepRecord]:
    stmt = (
        select(DepotStepRecord)
        .where(DepotStepRecord.ticket_id.in_(ticket_ids))
        .order_by(DepotStepRecord.ticket_id, DepotStepRecord.id)
    )
    return list((await session.scalars(stmt)).all())
