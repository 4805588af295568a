"""Device queries: listings scoped through the device's customer, serial numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.policy import CustomerScope
from persistence.models import Device
from persistence.queries.common import live_only, search_clause
from persistence.queries.directory import owned_by_customers_in_scope
from persistence.types import utcnow

if TYPE_CHECKING:
    from datetime import date


def devices_listed(
    scope: CustomerScope,
    *,
    include_deleted: bool = False,
    search: str | None = None,
    customer_pk: int | None = None,
    brand: str | None = None,
    bought_from_us: bool | None = None,
    under_warranty: bool | None = None,
) -> Select[Any]:
    """The devices of the customers a scope admits, filtered."""
    stmt = owned_by_customers_in_scope(
        live_only(select(Device), Device, include_deleted), Device.customer_id, scope
    )
    clause = search_clause(search, Device.serial_number, Device.model, Device.brand)
    if clause is not None:
        stmt = stmt.where(clause)
    if customer_pk is not None:
        stmt = stmt.where(Device.customer_id == customer_pk)
    if brand:
        stmt = stmt.where(Device.brand == brand.strip())
    if bought_from_us is not None:
        stmt = stmt.where(Device.bought_from_us.is_(bought_from_us))
    if under_warranty is not None:
        today: date = utcnow().date()
        covered = Device.warranty_ends_on >= today
        stmt = stmt.where(
            covered if under_warranty else (Device.warranty_ends_on.is_(None) | ~covered)
        )
    return stmt


async def serial_number_taken(
    session: AsyncSession, brand: str, serial_number: str, except_pk: int | None = None
) -> bool:
    """Whether a live device other than `except_pk` has this brand and serial number."""
    stmt = select(Device.id).where(
        Device.brand == brand,
        Device.serial_number == serial_number,
        Device.deleted_at.is_(None),
    )
    if except_pk is not None:
        stmt = stmt.where(Device.id != except_pk)
    return await session.scalar(stmt) is not None
