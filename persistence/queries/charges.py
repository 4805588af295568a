"""Charge queries: the defects a device had repaired under warranty. (The rates are
columns of the service settings row: persistence.queries.automation.service_settings.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import Ticket


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
