"""Staff correct a ticket (severity, description, contact, device): a versioned move
with TICKET_UPDATED naming the fields; a new severity chooses the SLA policy again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import validation
from domain.errors import BadUserInput, NotFound
from domain.events import EventType
from domain.tickets.lifecycle import Move, check_severity
from persistence.models import Device
from resolvers.ids import decode_id
from resolvers.records import changed_fields
from resolvers.sla.clock import restart_clock
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.tickets.inputs import UpdateTicketInput

# GraphQL name of each field a correction may change.
FIELD_NAMES = {
    "severity": "severity",
    "description": "description",
    "contact_name": "contactName",
    "contact_phone": "contactPhone",
    "device_id": "deviceId",
    "defect_code": "defectCode",
}


def _cleaned(changes: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "severity":
            if value is None:
                raise BadUserInput("cannot be cleared", field="severity")
            cleaned[name] = check_severity(value)
        elif name == "description":
            cleaned[name] = validation.text(value, "description", max_length=4000)
        elif name == "contact_name":
            cleaned[name] = validation.optional_text(value, "contactName", max_length=100)
        elif name == "contact_phone":
            cleaned[name] = validation.phone(value, "contactPhone")
        elif name == "defect_code":
            code = validation.optional_text(value, "defectCode", max_length=50)
            cleaned[name] = code.upper() if code else None
        elif name == "device_id":
            cleaned[name] = None if value is None else decode_id(value, "Device", field="deviceId")
    return cleaned


async def update_ticket(
    ctx: Context, ticket_id: str, data: UpdateTicketInput, expected_version: int | None
) -> Any:
    changes = _cleaned(changed_fields(data))
    if not changes:
        raise BadUserInput("give at least one field to change", field="input")

    async def before(change: Change) -> None:
        # Read before the move touches the row (a read after would flush it early).
        pk = changes.get("device_id")
        if pk is not None:
            device = await change.session.get(Device, pk)
            if (
                device is None
                or device.is_deleted
                or device.customer_id != change.ticket.customer_id
            ):
                raise NotFound("no such device at this ticket's customer", field="deviceId")

    async def apply(change: Change) -> None:
        row = change.ticket
        changed = [name for name, value in changes.items() if getattr(row, name) != value]
        if not changed:
            raise BadUserInput("nothing would change", field="input")
        severity_changed = "severity" in changed
        for name in changed:
            setattr(row, name, changes[name])
        await flush_version(change)
        if severity_changed:
            await restart_clock(change.work, row, change.customer)
        emit_ticket_event(
            change.work,
            EventType.TICKET_UPDATED,
            row,
            change.customer,
            fields=[FIELD_NAMES[name] for name in changed],
        )

    return await move_ticket(
        ctx,
        operation="updateTicket",
        move=Move.UPDATE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        before=before,
        apply=apply,
    )
