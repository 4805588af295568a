"""The warranty law's rules (三包) at a repair's end: the time a device was out of
service is not counted against its warranty, and the same defect repaired twice
under warranty entitles the customer to a replacement (the back office is told)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.charges.statement import extended_warranty, repeat_failures
from domain.notifications.kinds import NotificationKind
from domain.roles import Role
from persistence.models import Device
from persistence.queries import charges as charge_rows
from persistence.queries import tickets as ticket_rows
from resolvers.notifications.notices import notify

if TYPE_CHECKING:
    from persistence.models import Ticket
    from persistence.unit_of_work import UnitOfWork


async def after_warranty_repair(work: UnitOfWork, ticket: Ticket) -> None:
    """On the final close of a ticket under warranty on a device."""
    if not ticket.under_warranty or ticket.device_id is None:
        return
    device = await work.session.get(Device, ticket.device_id, with_for_update=True)
    if device is None:
        return
    # Out of service from the report of the fault until the engineer finished.
    finished = ticket.close_requested_at or ticket.closed_at
    if finished is not None and device.warranty_ends_on is not None:
        extended = extended_warranty(device.warranty_ends_on, finished - ticket.created_at)
        if extended is not None and extended > device.warranty_ends_on:
            ticket.warranty_extended_days = (extended - device.warranty_ends_on).days
            device.warranty_ends_on = extended
    if ticket.defect_code:
        await work.session.flush()
        codes = [code for _, code in await charge_rows.warranty_defects(work.session, [device.id])]
        repeated = repeat_failures(codes)
        if ticket.defect_code in repeated:
            office = await ticket_rows.user_ids_with_roles(
                work.session, [Role.BACK_OFFICE, Role.ADMIN], handling=ticket.kind
            )
            await notify(
                work,
                ticket,
                office,
                NotificationKind.REPLACEMENT_DUE,
                f"device {device.serial_number}: defect {ticket.defect_code} repaired "
                f"{repeated[ticket.defect_code]} times under warranty; a replacement is due",
            )
