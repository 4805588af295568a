"""Row-level rules as SQL: narrow a select to what a customer scope admits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select

from domain.policy import CustomerScope
from persistence.models import Customer


def customers_in_scope(stmt: Select[Any], scope: CustomerScope) -> Select[Any]:
    if scope.everything:
        return stmt
    if scope.nothing:
        return stmt.where(false())
    if scope.customer_id is not None:
        return stmt.where(Customer.id == scope.customer_id)
    return stmt.where(Customer.agent_id == scope.agent_id)


def owned_by_customers_in_scope(
    stmt: Select[Any], customer_column: Any, scope: CustomerScope
) -> Select[Any]:
    """For rows that belong to a customer (devices, later tickets)."""
    if scope.everything:
        return stmt
    if scope.nothing:
        return stmt.where(false())
    if scope.customer_id is not None:
        return stmt.where(customer_column == scope.customer_id)
    return stmt.where(
        customer_column.in_(select(Customer.id).where(Customer.agent_id == scope.agent_id))
    )
