"""Row-level rules as SQL: narrow a select to what a customer scope admits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.policy import CustomerScope
from persistence.models import Customer, Ticket


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
