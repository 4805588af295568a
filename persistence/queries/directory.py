"""Directory queries: agents, customers and the region tree; and the row rules as SQL
that narrow a select to what a customer scope admits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.policy import CustomerScope
from domain.roles import STAFF, Actor
from persistence.models import Agent, Customer, Region, Ticket
from persistence.queries.common import live_only, search_clause


def served_customer_ids(engineer_id: int, kinds: frozenset[str] | None) -> Select[Any]:
    """The customers an engineer serves: those of the tickets assigned to them now."""
    stmt = select(Ticket.customer_id).where(Ticket.assignee_id == engineer_id)
    return stmt if kinds is None else stmt.where(Ticket.kind.in_(sorted(kinds)))


def customers_in_scope(stmt: Select[Any], scope: CustomerScope) -> Select[Any]:
    return owned_by_customers_in_scope(stmt, Customer.id, scope)


def owned_by_customers_in_scope(
    stmt: Select[Any], customer_column: Any, scope: CustomerScope
) -> Select[Any]:
    """For customers themselves and rows that belong to one (devices, sales)."""
    if scope.everything:
        return stmt
    if scope.nothing:
        return stmt.where(false())
    if scope.customer_id is not None:
        return stmt.where(customer_column == scope.customer_id)
    if scope.engineer_id is not None:
        return stmt.where(
            customer_column.in_(served_customer_ids(scope.engineer_id, scope.ticket_kinds))
        )
    return stmt.where(
        customer_column.in_(select(Customer.id).where(Customer.agent_id == scope.agent_id))
    )


async def served_customers(
    session: AsyncSession, engineer_id: int, kinds: frozenset[str] | None
) -> Sequence[tuple[int, int | None]]:
    """(customer id, its agent id) of every customer an engineer serves."""
    stmt = select(Customer.id, Customer.agent_id).where(
        Customer.id.in_(served_customer_ids(engineer_id, kinds))
    )
    return [(pk, agent) for pk, agent in (await session.execute(stmt)).all()]


async def regions_under(session: AsyncSession, parent_pk: int | None) -> list[Region]:
    """The live regions right below `parent_pk` (the provinces for None), by name."""
    stmt = select(Region).where(Region.deleted_at.is_(None)).order_by(Region.name, Region.id)
    stmt = stmt.where(
        Region.parent_id.is_(None) if parent_pk is None else Region.parent_id == parent_pk
    )
    return list((await session.scalars(stmt)).all())


async def region_and_descendants(session: AsyncSession, region_pk: int) -> list[int]:
    """The region and every region below it (the tree is small: read it whole)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in (await session.execute(select(Region.id, Region.parent_id))).all():
        children[parent].append(pk)
    found, todo = [], [region_pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def agents_listed(
    actor: Actor,
    *,
    include_deleted: bool = False,
    search: str | None = None,
    region_pks: list[int] | None = None,
) -> Select[Any]:
    """The agents an actor sees (staff: all; an AGENT user: its own), filtered;
    `region_pks`: a region and those below it (`region_and_descendants`)."""
    stmt = live_only(select(Agent), Agent, include_deleted)
    if actor.role not in STAFF:
        stmt = stmt.where(Agent.id == actor.agent_id) if actor.agent_id else stmt.where(false())
    if (clause := search_clause(search, Agent.name)) is not None:
        stmt = stmt.where(clause)
    if region_pks is not None:
        stmt = stmt.where(Agent.region_id.in_(region_pks))
    return stmt


def customers_listed(
    scope: CustomerScope,
    *,
    include_deleted: bool = False,
    search: str | None = None,
    by_category: bool = False,
    category: str | None = None,
    agent_pk: int | None = None,
    region_pks: list[int] | None = None,
) -> Select[Any]:
    """The customers a scope admits, filtered; with `by_category`, those of `category`
    (None: those without one); `region_pks`: a region and those below it."""
    stmt = customers_in_scope(live_only(select(Customer), Customer, include_deleted), scope)
    if (clause := search_clause(search, Customer.code, Customer.name)) is not None:
        stmt = stmt.where(clause)
    if by_category:
        stmt = stmt.where(Customer.category == category)
    if agent_pk is not None:
        stmt = stmt.where(Customer.agent_id == agent_pk)
    if region_pks is not None:
        stmt = stmt.where(Customer.region_id.in_(region_pks))
    return stmt


async def customer_code_taken(
    session: AsyncSession, code: str, except_pk: int | None = None
) -> bool:
    """Whether a live customer other than `except_pk` has this code."""
    stmt = select(Customer.id).where(Customer.code == code, Customer.deleted_at.is_(None))
    if except_pk is not None:
        stmt = stmt.where(Customer.id != except_pk)
    return await session.scalar(stmt) is not None
