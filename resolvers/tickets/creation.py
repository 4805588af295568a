"""Opening a ticket (customers and agents report faults; dispatchers open any kind)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import validation
from domain.assets.warranty import under_warranty as covered
from domain.errors import BadUserInput, Forbidden, NotFound
from domain.events import EventType
from domain.roles import Role
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import (
    TicketKind,
    TicketSource,
    TicketStatus,
    check_severity,
    default_source,
    may_create,
    ticket_number,
)
from persistence.models import Device, Ticket
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.directory.customers import visible_customer
from resolvers.dispatch_rules.auto import auto_dispatch
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.sla.clock import start_clock
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.idempotency import check_key, idempotent, remember, stored_result

if TYPE_CHECKING:
    from persistence.models import Customer
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context
    from schema.tickets.inputs import CreateTicketInput


async def open_ticket(
    work: UnitOfWork, row: Ticket, customer: Customer, *, by_rule: bool = False
) -> None:
    """Stores a new ticket and does what every new ticket gets, whoever opens it (a
    person, or the maintenance plans): its number, TICKET_CREATED, its SLA clock, and
    an automatic dispatch when a rule matches."""
    session = work.session
    session.add(row)
    await session.flush()
    # The number derives from the id; written by a plain UPDATE so that creation
    # stays version 1 (the ORM would count it as a change).
    number = ticket_number(row.created_at.year, row.id)
    await ticket_rows.set_ticket_number(session, row, number)
    work.touched(encode_id("Ticket", row.id))
    emit_ticket_event(
        work, EventType.TICKET_CREATED, row, customer, number=row.number, by_rule=by_rule
    )
    await start_clock(work, row, customer)
    await auto_dispatch(work, row, customer)


async def create_ticket(ctx: Context, data: CreateTicketInput) -> Any:
    actor = await ctx.actor()
    kind = TicketKind(data.kind.value)
    may_create(actor, kind)
    key = check_key(data.idempotency_key)
    severity = check_severity(data.severity)
    description = validation.text(data.description, "description", max_length=4000)
    contact_name = validation.optional_text(data.contact_name, "contactName", max_length=100)
    contact_phone = validation.phone(data.contact_phone, "contactPhone")
    customer_pk = decode_id(data.customer_id, "Customer", field="customerId")
    device_pk = decode_optional_id(data.device_id, "Device", field="deviceId")
    staff = actor.role in (Role.ADMIN, Role.BACK_OFFICE, Role.CUSTOMER_SERVICE)
    if not staff and (data.remote_diagnosis is not None or data.source is not None):
        raise Forbidden("only staff set the source or the remote diagnosis")
    source = TicketSource(data.source.value) if data.source else default_source(actor)
    remote_diagnosis = validation.optional_text(
        data.remote_diagnosis, "remoteDiagnosis", max_length=4000
    )

    async def attempt() -> Any:
        async with ctx.write("createTicket", actor=actor) as work:
            session = work.session
            if key and (replay := await stored_result(session, actor, key, "createTicket")):
                ctx.wrote(encode_id("Ticket", replay.id))
                return replay
            if kind not in actor_kinds(actor):
                raise Forbidden(f"this account does not handle {kind} tickets")
            customer = await visible_customer(session, actor, customer_pk)
            if customer.is_deleted:
                raise BadUserInput("is deleted", field="customerId")
            under_warranty = False
            if device_pk is not None:
                device = await session.get(Device, device_pk)
                if device is None or device.customer_id != customer.id or device.is_deleted:
                    raise NotFound("no such device at this customer", field="deviceId")
                under_warranty = covered(device.warranty_ends_on, utcnow().date())
            if data.under_warranty is not None:
                if not staff:
                    raise Forbidden("only staff decide the warranty status")
                under_warranty = data.under_warranty
            row = Ticket(
                kind=kind.value,
                status=TicketStatus.NEW.value,
                severity=severity,
                source=source.value,
                customer_id=customer.id,
                device_id=device_pk,
                contact_name=contact_name,
                contact_phone=contact_phone,
                description=description,
                remote_diagnosis=remote_diagnosis,
                under_warranty=under_warranty,
            )
            await open_ticket(work, row, customer)
            if key:
                await remember(work, actor, key, "createTicket", row)
        return row

    return await idempotent(ctx, actor, key, "createTicket", attempt)
