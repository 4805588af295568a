"""Maintenance plans: devices due (by the index on their next due date) and the
scheduled tickets made for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import Customer, Device, Ticket


def _scheduled_for_due() -> Any:
    return exists().where(
        Ticket.device_id == Device.id, Ticket.maintenance_due_on == Device.maintenance_due_on
    )


async def devices_due(
    session: AsyncSession, horizon: date, limit: int
) -> list[tuple[Device, Customer]]:
    """Live devices of live customers due by `horizon` whose ticket for that due date
    is not made yet (one statement, whatever the number of devices)."""
    stmt = (
        select(Device, Customer)
        .join(Customer, Customer.id == Device.customer_id)
        .where(
            Device.maintenance_due_on <= horizon,
            Device.deleted_at.is_(None),
            Customer.deleted_at.is_(None),
            ~_scheduled_for_due(),
        )
        .order_by(Device.maintenance_due_on, Device.id)
        .limit(limit)
    )
    return [(d, c) for d, c in (await session.execute(stmt)).all()]


def maintenance_due_listed(before: date | None) -> Select[Any]:
    stmt = select(Device).where(Device.maintenance_due_on.is_not(None), Device.deleted_at.is_(None))
    return stmt if before is None else stmt.where(Device.maintenance_due_on <= before)


async def scheduled_tickets(
    session: AsyncSession, keys: Sequence[tuple[int, date]]
) -> list[Ticket]:
    if not keys:
        return []
    stmt = select(Ticket).where(
        and_(
            Ticket.maintenance_due_on.is_not(None),
            tuple_(Ticket.device_id, Ticket.maintenance_due_on).in_(list(keys)),
        )
    )
    return list((await session.scalars(stmt)).all())
