"""Charge queries: the defects a device had repaired under warranty. (The rates are
columns of the service settings row: persistence.queries.automation.service_settings.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import ChargeLineRecord, Part, Ticket, TicketPart


async def warranty_defects(session: AsyncSession, device_ids: list[int]) -> list[tuple[int, str]]:
    """(device, defect code) of every closed ticket under warranty on the devices."""
    stmt = select(Ticket.device_id, Ticket.defect_code).where(
        Ticket.device_id.in_(device_ids),
        Ticket.under_warranty.is_(True),
        Ticket.status == "CLOSED",
        Ticket.defect_code.is_not(None),
        Ticket.deleted_at.is_(None),
    )
    return [(int(d), str(c)) for d, c in (await session.execute(stmt)).all() if d and c]


async def charge_rows_of(session: AsyncSession, ticket_id: int) -> list[ChargeLineRecord]:
    stmt = (
        select(ChargeLineRecord)
        .where(ChargeLineRecord.ticket_id == ticket_id, ChargeLineRecord.deleted_at.is_(None))
        .order_by(ChargeLineRecord.id)
    )
    return list((await session.scalars(stmt)).all())


async def part_rows_of(session: AsyncSession, ticket_id: int) -> list[tuple[TicketPart, str]]:
    """The ticket's part lines with each part's name."""
    stmt = (
        select(TicketPart, Part.name)
        .join(Part, Part.id == TicketPart.part_id)
        .where(TicketPart.ticket_id == ticket_id, TicketPart.deleted_at.is_(None))
        .order_by(TicketPart.id)
    )
    return [(line, str(name)) for line, name in (await session.execute(stmt)).all()]


async def live_charge_row(session: AsyncSession, pk: int) -> ChargeLineRecord | None:
    stmt = select(ChargeLineRecord).where(
        ChargeLineRecord.id == pk, ChargeLineRecord.deleted_at.is_(None)
    )
    return await session.scalar(stmt)
