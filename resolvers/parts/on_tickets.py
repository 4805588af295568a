"""Parts used on a ticket, and unused ones returned to stock.

Both are ticket moves (resolvers.tickets.moves.move_ticket): the ticket row is locked, its
version checked and bumped, and a ticket event tells every screen. The parts come out
of what the ticket's engineer carries first (issued to them on an approved outing
request), then out of the warehouse; returns go back into the warehouse. Charges
follow the warranty rules: nothing under warranty, the list price (or a discount no
lower than the minimum price) otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.errors import BadUserInput
from domain.events import EventType
from domain.parts import stock as rules
from domain.parts.lines import LinePrices
from domain.parts.stock import MovementKind
from domain.tickets.lifecycle import Move
from persistence.models import Part, TicketPart
from persistence.queries import parts as part_rows
from resolvers.ids import encode_id
from resolvers.parts.catalogue import prices_of
from resolvers.parts.lines import asked_lines, quantities
from resolvers.parts.stock import lock_holdings, lock_parts, move
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, move_ticket

if TYPE_CHECKING:
    from collections.abc import Iterable

    from resolvers.context import Context
    from schema.parts.inputs import PartLineInput, ReceiptLineInput


async def _usages(change: Change, part_pks: Iterable[int]) -> dict[int, TicketPart]:
    """The ticket's lines of these parts (live or emptied), in one statement."""
    return await part_rows.ticket_part_lines(change.session, change.ticket.id, part_pks)


def _summary(part: Part, count: int, usage: TicketPart) -> dict[str, Any]:
    return {
        "partId": encode_id("Part", part.id),
        "partNumber": part.part_number,
        "quantity": count,
        "unitPrice": str(usage.unit_price),
        "charge": str(usage.charge),
    }


async def issue_parts_to_ticket(
    ctx: Context,
    ticket_id: str,
    lines: list[PartLineInput],
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    parsed = asked_lines(lines, prices=LinePrices.SELLING)
    wanted = quantities(parsed)
    asked = {line.part_id: (line.unit_price, line.price_field) for line in parsed}

    async def apply(change: Change) -> None:
        ticket = change.ticket
        locked = await lock_parts(change.work, wanted)
        carried: dict[int, int] = {}
        if ticket.assignee_id is not None:
            carried = await lock_holdings(change.work, ticket.assignee_id, wanted)
        usages = await _usages(change, wanted)
        issued = []
        for index, (part_pk, count) in enumerate(wanted.items()):
            part = locked[part_pk]
            price_asked, price_field = asked.get(part_pk, (None, f"lines[{index}].unitPrice"))
            unit_price = rules.selling_price(prices_of(part), price_asked, field=price_field)
            from_engineer, from_warehouse = rules.split_issue(carried.get(part_pk, 0), count)
            if from_engineer:
                await move(
                    change.work,
                    part,
                    MovementKind.ISSUE_TO_TICKET,
                    engineer_id=ticket.assignee_id,
                    engineer=-from_engineer,
                    ticket_id=ticket.id,
                )
            if from_warehouse:
                await move(
                    change.work,
                    part,
                    MovementKind.ISSUE_TO_TICKET,
                    warehouse=-from_warehouse,
                    ticket_id=ticket.id,
                    field=f"lines[{index}].quantity",
                )
            usage = usages.get(part_pk)
            if usage is None:
                usage = TicketPart(ticket_id=ticket.id, part_id=part_pk, quantity=0)
                change.session.add(usage)
            usage.deleted_at = usage.deleted_by_id = None
            usage.quantity += count
            usage.unit_price = unit_price
            usage.under_warranty = ticket.under_warranty
            usage.charge = rules.line_charge(
                unit_price, usage.quantity, under_warranty=ticket.under_warranty
            )
            issued.append(_summary(part, count, usage))
        await change.session.flush()
        emit_ticket_event(change.work, EventType.PARTS_USED, ticket, change.customer, parts=issued)

    return await move_ticket(
        ctx,
        operation="issuePartsToTicket",
        move=Move.USE_PARTS,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def return_parts_from_ticket(
    ctx: Context,
    ticket_id: str,
    lines: list[ReceiptLineInput],
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    wanted = quantities(asked_lines(lines, prices=LinePrices.NONE))

    async def apply(change: Change) -> None:
        ticket = change.ticket
        locked = await lock_parts(change.work, wanted)
        usages = await _usages(change, wanted)
        returned = []
        for index, (part_pk, count) in enumerate(wanted.items()):
            part = locked[part_pk]
            usage = usages.get(part_pk)
            used = usage.quantity if usage is not None and usage.deleted_at is None else 0
            if usage is None or count > used:
                raise BadUserInput(
                    f"only {used} of {part.part_number} used on this ticket",
                    field=f"lines[{index}].quantity",
                )
            await move(
                change.work,
                part,
                MovementKind.RETURN,
                warehouse=count,
                ticket_id=ticket.id,
                reason="unused on the ticket",
            )
            usage.quantity -= count
            usage.charge = rules.line_charge(
                usage.unit_price, usage.quantity, under_warranty=usage.under_warranty
            )
            if usage.quantity == 0:
                usage.deleted_at, usage.deleted_by_id = ticket.updated_at, change.actor.user_id
            returned.append(_summary(part, count, usage))
        await change.session.flush()
        emit_ticket_event(
            change.work, EventType.PARTS_RETURNED, ticket, change.customer, parts=returned
        )

    return await move_ticket(
        ctx,
        operation="returnPartsFromTicket",
        move=Move.RETURN_PARTS,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )
