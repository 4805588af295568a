"""The warranty law's rules (三包) at a repair's end: the time a device was out of
service is not counted against its warranty, and the same defect repaired twice
under warranty entitles the customer to a replacement (the back office is told).

Worked out before the final close touches the ticket (`warranty_repair`, reads and
the device's new warranty end), told after it (`tell_the_office`): a read after the
ticket changed would flush it early and cost it a version."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class WarrantyRepair:
    extended_days: int | None
    serial_number: str
    # Times the ticket's defect has now been repaired under warranty, when a
    # replacement is due.
    replacement_due_after: int | None

    async def tell_the_office(self, work: UnitOfWork, ticket: Ticket) -> None:
        if self.replacement_due_after is None:
            return
        office = await ticket_rows.user_ids_with_roles(
            work.session, [Role.BACK_OFFICE, Role.ADMIN], handling=ticket.kind
        )
        await notify(
            work,
            ticket,
            office,
            NotificationKind.REPLACEMENT_DUE,
            f"device {self.serial_number}: defect {ticket.defect_code} repaired "
            f"{self.replacement_due_after} times under warranty; a replacement is due",
        )


async def warranty_repair(work: UnitOfWork, ticket: Ticket) -> WarrantyRepair | None:
    """For the final close of a ticket under warranty on a device: extends the device's
    warranty (the device row changes, not the ticket) and counts the defect."""
    if not ticket.under_warranty or ticket.device_id is None:
        return None
    device = await work.session.get(Device, ticket.device_id, with_for_update=True)
    if device is None:
        return None
    extended_days = None
    # Out of service from the report of the fault until the engineer finished.
    finished = ticket.close_requested_at
    if finished is not None and device.warranty_ends_on is not None:
        extended = extended_warranty(device.warranty_ends_on, finished - ticket.created_at)
        if extended is not None and extended > device.warranty_ends_on:
            extended_days = (extended - device.warranty_ends_on).days
            device.warranty_ends_on = extended
    due_after = None
    if ticket.defect_code:
        earlier = [
            code for _, code in await charge_rows.warranty_defects(work.session, [device.id])
        ]
        # This repair is not closed yet: it counts with the earlier ones.
        repeated = repeat_failures([*earlier, ticket.defect_code])
        due_after = repeated.get(ticket.defect_code)
    return WarrantyRepair(extended_days, device.serial_number, due_after)
