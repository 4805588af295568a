"""Maintenance plans: the job that makes each due device's MAINTENANCE ticket (source
SCHEDULE) `maintenanceLeadDays` ahead, once per device and due date (the unique index
on tickets (device, maintenance due date) is the last word), tells the office, and the
list of what is coming. Closing a MAINTENANCE ticket records the device maintained."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain import policy
from domain.assets.warranty import under_warranty
from domain.maintenance.plans import horizon, maintained_on
from domain.notifications.kinds import NotificationKind
from domain.policy import Action
from domain.roles import OFFICE
from domain.tickets.lifecycle import TicketKind, TicketSource, TicketStatus
from persistence.models import Device, Ticket
from persistence.queries import automation as automation_rows
from persistence.queries import maintenance as maintenance_rows
from persistence.queries import tickets as ticket_rows
from resolvers.automation.runner import Outcome
from resolvers.automation.work import job_write
from resolvers.notifications.notices import notify
from resolvers.pagination import paginate
from resolvers.sla.calendars import service_timezone
from resolvers.tickets.creation import open_ticket

if TYPE_CHECKING:
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context, Services
    from schema.pagination import Connection

BATCH = 200


async def run_maintenance_plans(services: Services, now: datetime) -> Outcome:
    made = 0
    async with services.sessionmaker() as session:
        lead = (await automation_rows.service_settings(session)).maintenance_lead_days
        today = now.astimezone(ZoneInfo(await service_timezone(session))).date()
    last = horizon(today, lead)
    while True:
        async with job_write(services, "maintenance_plans") as work:
            due = await maintenance_rows.devices_due(work.session, last, BATCH)
            office: list[int] = []
            if due:
                office = await ticket_rows.user_ids_with_roles(
                    work.session, OFFICE, handling=TicketKind.MAINTENANCE.value
                )
            for device, customer in due:
                row = Ticket(
                    kind=TicketKind.MAINTENANCE.value,
                    status=TicketStatus.NEW.value,
                    severity=3,
                    source=TicketSource.SCHEDULE.value,
                    customer_id=customer.id,
                    device_id=device.id,
                    description=(
                        f"Scheduled maintenance of {device.brand} {device.model} "
                        f"{device.serial_number}, due {device.maintenance_due_on}"
                    ),
                    under_warranty=under_warranty(device.warranty_ends_on, today),
                    maintenance_due_on=device.maintenance_due_on,
                )
                await open_ticket(work, row, customer, by_rule=True)
                await notify(
                    work,
                    row,
                    office,
                    NotificationKind.MAINTENANCE_DUE,
                    f"{row.number}: maintenance of {device.brand} {device.model} "
                    f"{device.serial_number} due {device.maintenance_due_on}",
                )
        made += len(due)
        if len(due) < BATCH:
            break
    return Outcome(made, f"{made} maintenance tickets made (due by {last})")


async def record_maintained(work: UnitOfWork, ticket: Ticket, closed_at: datetime) -> None:
    """A MAINTENANCE ticket closed: its device was maintained (its next due date moves)."""
    if ticket.kind != TicketKind.MAINTENANCE.value or ticket.device_id is None:
        return
    device = await work.session.get(Device, ticket.device_id, with_for_update=True)
    if device is None:
        return
    zone = ZoneInfo(await service_timezone(work.session))
    worked = ticket.started_at.astimezone(zone).date() if ticket.started_at else None
    device.last_maintained_on = maintained_on(
        worked, closed_at.astimezone(zone).date(), device.last_maintained_on
    )


async def maintenance_due(
    ctx: Context, first: int | None, after: str | None, before: date | None
) -> Connection[Any]:
    actor = await ctx.actor()
    policy.require(actor, Action.MAINTENANCE_READ)
    stmt = maintenance_rows.maintenance_due_listed(before)
    return await paginate(
        ctx, stmt, Device.id, first=first, after=after, sort_column=Device.maintenance_due_on
    )
