"""Part rows: the catalogue's reads, the locks every stock move takes, stock history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.parts.stock import MovementKind
from persistence.models import EngineerStock, Part, StockMovement, TicketPart
from persistence.queries.common import live_only, search_clause


async def part_number_taken(session: AsyncSession, number: str, except_pk: int | None) -> bool:
    """Whether a live part other than `except_pk` carries this part number."""
    stmt = select(Part.id).where(Part.part_number == number, Part.deleted_at.is_(None))
    found = await session.scalar(stmt)
    return found is not None and found != except_pk


def parts_listed(
    *, include_deleted: bool = False, search: str | None = None, below_alarm: bool | None = None
) -> Select[Any]:
    """The catalogue, filtered: `below_alarm` true keeps parts at or below their
    threshold, false those above it."""
    stmt = live_only(select(Part), Part, include_deleted)
    clause = search_clause(search, Part.part_number, Part.name, Part.spec, Part.brand, Part.model)
    if clause is not None:
        stmt = stmt.where(clause)
    if below_alarm is not None:
        at_or_below = Part.on_hand <= Part.alarm_threshold
        stmt = stmt.where(at_or_below if below_alarm else ~at_or_below)
    return stmt


def movements_of_part(part_pk: int) -> Select[Any]:
    return select(StockMovement).where(StockMovement.part_id == part_pk)


async def carried_by(session: AsyncSession, engineer_pk: int) -> list[EngineerStock]:
    """What an engineer carries now (no emptied rows), by part."""
    stmt = (
        select(EngineerStock)
        .where(EngineerStock.engineer_id == engineer_pk, EngineerStock.quantity > 0)
        .order_by(EngineerStock.part_id)
    )
    return list((await session.scalars(stmt)).all())


async def locked_parts(session: AsyncSession, pks: Sequence[int]) -> dict[int, Part]:
    """The parts with these ids (deleted ones too), locked for update in id order and
    refreshed from the row; by id."""
    stmt = (
        select(Part)
        .where(Part.id.in_(pks))
        .order_by(Part.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in (await session.scalars(stmt)).all()}


async def live_part_ids_numbered(session: AsyncSession, numbers: Sequence[str]) -> list[int]:
    """The ids of the live parts carrying these part numbers."""
    stmt = select(Part.id).where(Part.part_number.in_(numbers), Part.deleted_at.is_(None))
    return list((await session.scalars(stmt)).all())


async def locked_holdings(
    session: AsyncSession, engineer_id: int, part_pks: Sequence[int]
) -> dict[int, EngineerStock]:
    """The engineer's stock rows of these parts (where there is one), locked in part id
    order, in one statement; by part id."""
    stmt = (
        select(EngineerStock)
        .where(EngineerStock.engineer_id == engineer_id, EngineerStock.part_id.in_(part_pks))
        .order_by(EngineerStock.part_id)
        .with_for_update()
    )
    return {row.part_id: row for row in (await session.scalars(stmt)).all()}


async def locked_holding(
    session: AsyncSession, engineer_id: int, part_pk: int
) -> EngineerStock | None:
    """The engineer's stock row of a part, locked (None: there is none)."""
    stmt = (
        select(EngineerStock)
        .where(EngineerStock.engineer_id == engineer_id, EngineerStock.part_id == part_pk)
        .with_for_update()
    )
    return await session.scalar(stmt)


async def latest_purchases(
    session: AsyncSession, part_pk: int, count: int
) -> list[list[tuple[Decimal, int]]]:
    """The part's last `count` purchases, newest first, each as its receipts (unit
    cost, quantity). A purchase is a purchase order, however many deliveries it came
    in; a receipt without an order is a purchase of its own. Two statements: which
    purchases (integers only), then their receipts (money stays Decimal)."""
    receipts = (
        StockMovement.part_id == part_pk,
        StockMovement.kind == MovementKind.RECEIPT.value,
        StockMovement.unit_cost.is_not(None),
    )
    purchase = func.coalesce(StockMovement.purchase_order_id, -StockMovement.id)
    keys_stmt = (
        select(purchase, func.max(StockMovement.id))
        .where(*receipts)
        .group_by(purchase)
        .order_by(func.max(StockMovement.id).desc())
        .limit(count)
    )
    keys = [int(key) for key, _ in (await session.execute(keys_stmt)).all()]
    if not keys:
        return []
    rows_stmt = select(purchase, StockMovement.unit_cost, StockMovement.quantity).where(
        *receipts, purchase.in_(keys)
    )
    grouped: dict[int, list[tuple[Decimal, int]]] = {key: [] for key in keys}
    for key, cost, quantity in (await session.execute(rows_stmt)).all():
        grouped[int(key)].append((Decimal(cost), int(quantity)))
    return [grouped[key] for key in keys]


async def ticket_part_lines(
    session: AsyncSession, ticket_pk: int, part_pks: Iterable[int]
) -> dict[int, TicketPart]:
    """The ticket's lines of these parts (live or emptied), in one statement; by part id."""
    stmt = select(TicketPart).where(
        TicketPart.ticket_id == ticket_pk, TicketPart.part_id.in_(list(part_pks))
    )
    return {row.part_id: row for row in (await session.scalars(stmt)).all()}
