"""The lines a ticket's work makes, at the rates in force when it is recorded: labour
for each work record (per started half hour, the device's ownership deciding the
rate), travel for each check-in (a flat fee; none while the fee is 0); and the lines
the office adds or takes back (a move of the ticket: a new version and an event)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain import validation
from domain.charges.statement import ChargeKind, Rates, labour_line
from domain.errors import BadUserInput, NotFound
from domain.events import EventType
from domain.money import amount as money_amount
from domain.money import to_cent
from domain.tickets.lifecycle import Move
from persistence.models import ChargeLineRecord, CheckIn, Device, Ticket, WorkRecord
from persistence.queries import automation as automation_rows
from persistence.queries import charges as charge_rows
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, flush_version, move_ticket

if TYPE_CHECKING:
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context

MAX_QUANTITY = Decimal("10000")


async def rates_in_force(work: UnitOfWork) -> Rates:
    row = await automation_rows.service_settings(work.session)
    return Rates(row.own_device_hourly, row.other_device_hourly, row.travel_fee)


async def _bought_from_us(work: UnitOfWork, ticket: Ticket) -> bool:
    """Our own product unless the ticket's device says otherwise (a ticket without a
    device is work on what we sold)."""
    if ticket.device_id is None:
        return True
    device = await work.session.get(Device, ticket.device_id)
    return device is None or device.bought_from_us


async def charge_labour(work: UnitOfWork, ticket: Ticket, record: WorkRecord) -> None:
    rates = await rates_in_force(work)
    line = labour_line(
        record.started_at, record.ended_at, rates, await _bought_from_us(work, ticket)
    )
    if line.quantity == 0:
        return
    work.session.add(
        ChargeLineRecord(
            ticket_id=ticket.id,
            kind=line.kind.value,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            work_record_id=record.id,
            created_by_id=record.engineer_id,
        )
    )


async def charge_travel(work: UnitOfWork, ticket: Ticket, check_in: CheckIn) -> None:
    rates = await rates_in_force(work)
    if rates.travel_fee <= 0:
        return
    work.session.add(
        ChargeLineRecord(
            ticket_id=ticket.id,
            kind=ChargeKind.TRAVEL.value,
            description="travel",
            quantity=Decimal(1),
            unit_price=rates.travel_fee,
            check_in_id=check_in.id,
            created_by_id=check_in.engineer_id,
        )
    )


def _event(change: Change, event: EventType, row: ChargeLineRecord) -> None:
    emit_ticket_event(
        change.work,
        event,
        change.ticket,
        change.customer,
        chargeId=encode_id("ChargeLine", row.id),
        kind=row.kind,
        description=row.description,
        amount=str(to_cent(row.quantity * row.unit_price)),
    )


async def add_charge_line(
    ctx: Context,
    ticket_id: str,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    expected_version: int | None,
) -> Any:
    """An OTHER line by the office (materials bought on site, a crane, a fee)."""
    text = validation.text(description, "description", max_length=200)
    if not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY:
        raise BadUserInput(f"must be more than 0 and at most {MAX_QUANTITY}", field="quantity")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise BadUserInput("at most two decimals", field="quantity")
    price = money_amount(unit_price, "unitPrice")

    async def apply(change: Change) -> None:
        row = ChargeLineRecord(
            ticket_id=change.ticket.id,
            kind=ChargeKind.OTHER.value,
            description=text,
            quantity=quantity,
            unit_price=price,
            created_by_id=change.actor.user_id,
            updated_by_id=change.actor.user_id,
        )
        change.session.add(row)
        await flush_version(change)
        _event(change, EventType.TICKET_CHARGE_ADDED, row)

    return await move_ticket(
        ctx,
        operation="addChargeLine",
        move=Move.CHARGE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )


async def remove_charge_line(
    ctx: Context, ticket_id: str, charge_id: str, expected_version: int | None
) -> Any:
    """Takes back a line the office added (labour and travel follow the records)."""
    pk = decode_id(charge_id, "ChargeLine", field="chargeId")

    async def apply(change: Change) -> None:
        row = await charge_rows.live_charge_row(change.session, pk)
        if row is None or row.ticket_id != change.ticket.id:
            raise NotFound("charge line not found")
        if row.kind != ChargeKind.OTHER.value:
            raise BadUserInput(
                "labour and travel lines follow the work records and check-ins",
                field="chargeId",
            )
        row.deleted_at, row.deleted_by_id = utcnow(), change.actor.user_id
        await flush_version(change)
        _event(change, EventType.TICKET_CHARGE_REMOVED, row)

    return await move_ticket(
        ctx,
        operation="removeChargeLine",
        move=Move.CHARGE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )
