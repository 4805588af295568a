"""Part sales as a reader may see them: in their customer scope, searched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.policy import CustomerScope
from persistence.models import Customer, Part, PartSale, PartSaleLine
from persistence.queries.common import search_clause
from persistence.queries.directory import owned_by_customers_in_scope


def _search(term: str | None) -> Any | None:
    """The sale's number or note, its customer's code or name, a part sold."""
    if (own := search_clause(term, PartSale.number, PartSale.note)) is None:
        return None
    by_customer = search_clause(term, Customer.code, Customer.name)
    by_part = search_clause(term, Part.part_number, Part.name)
    return or_(
        own,
        PartSale.customer_id.in_(select(Customer.id).where(by_customer)),
        PartSale.id.in_(
            select(PartSaleLine.part_sale_id)
            .join(Part, Part.id == PartSaleLine.part_id)
            .where(by_part)
        ),
    )


def _in_scope(scope: CustomerScope) -> Select[tuple[PartSale]]:
    """The live sales of the customers in `scope`."""
    stmt = select(PartSale).where(PartSale.deleted_at.is_(None))
    return owned_by_customers_in_scope(stmt, PartSale.customer_id, scope)


def sales_listed(
    scope: CustomerScope, *, customer_pk: int | None = None, search: str | None = None
) -> Select[Any]:
    """The sales in `scope`, of one customer and matching `search` when given."""
    stmt = _in_scope(scope)
    if customer_pk is not None:
        stmt = stmt.where(PartSale.customer_id == customer_pk)
    if (clause := _search(search)) is not None:
        stmt = stmt.where(clause)
    return stmt


async def sale_in_scope(session: AsyncSession, scope: CustomerScope, pk: int) -> PartSale | None:
    """One sale, None when it is outside `scope` (or deleted)."""
    return await session.scalar(_in_scope(scope).where(PartSale.id == pk))
