"""Purchase orders: the list, an order's lines, and the parts a new order names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import Part, PurchaseOrder, PurchaseOrderLine
from persistence.queries.common import live_only, search_clause


def purchase_orders_listed(
    *, status: str | None, search: str | None, part_id: int | None
) -> Select[Any]:
    """Live orders, for `paginate` on `PurchaseOrder.id`: of a status, matching the
    search on supplier or number, with a live line of a part."""
    stmt = live_only(select(PurchaseOrder), PurchaseOrder, include_deleted=False)
    if status is not None:
        stmt = stmt.where(PurchaseOrder.status == status)
    clause = search_clause(search, PurchaseOrder.supplier, PurchaseOrder.number)
    if clause is not None:
        stmt = stmt.where(clause)
    if part_id is not None:
        with_part = live_only(
            select(PurchaseOrderLine.purchase_order_id).where(PurchaseOrderLine.part_id == part_id),
            PurchaseOrderLine,
            include_deleted=False,
        )
        stmt = stmt.where(PurchaseOrder.id.in_(with_part))
    return stmt


async def purchase_order_lines(session: AsyncSession, order_id: int) -> list[PurchaseOrderLine]:
    """The order's live lines, in entry order (the order row is locked by the caller,
    and every change of a line goes through that lock)."""
    stmt = live_only(
        select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == order_id),
        PurchaseOrderLine,
        include_deleted=False,
    ).order_by(PurchaseOrderLine.id)
    return list((await session.scalars(stmt)).all())


async def parts_by_id(session: AsyncSession, part_ids: Iterable[int]) -> dict[int, Part]:
    """The parts of `part_ids` by id, deleted ones included (the caller names those)."""
    stmt = select(Part).where(Part.id.in_(list(part_ids)))
    return {row.id: row for row in (await session.scalars(stmt)).all()}
