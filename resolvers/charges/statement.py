"""A ticket's statement: its stored lines (labour, travel, the office's), its parts,
all waived when free of charge (domain.charges.statement), and what is owed. The same
lines on every path: the `charges` field (through the request's loaders), the total
the customer confirms, the service report (through one session)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.charges.statement import (
    ChargeKind,
    ChargeLine,
    EstimateStatus,
    Statement,
    free_of_charge,
    make_statement,
)
from domain.tickets.lifecycle import TicketStatus
from persistence.queries import charges as charge_rows

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from persistence.models import ChargeLineRecord, Ticket, TicketPart
    from resolvers.context import Context


def _estimate(ticket: Ticket) -> EstimateStatus | None:
    return EstimateStatus(ticket.estimate_status) if ticket.estimate_status else None


def is_free(ticket: Ticket) -> bool:
    return free_of_charge(
        ticket.under_warranty, ticket.status == TicketStatus.CANCELLED.value, _estimate(ticket)
    )


def _lines(
    stored: Iterable[ChargeLineRecord], parts: Iterable[tuple[TicketPart, str]]
) -> list[ChargeLine]:
    lines = [
        ChargeLine(ChargeKind.PART, name, Decimal(line.quantity), line.unit_price)
        for line, name in parts
        if line.quantity > 0
    ]
    lines += [
        ChargeLine(ChargeKind(row.kind), row.description, row.quantity, row.unit_price, ref=row.id)
        for row in stored
    ]
    return lines


async def statement_in(session: AsyncSession, ticket: Ticket) -> Statement:
    stored = await charge_rows.charge_rows_of(session, ticket.id)
    parts = await charge_rows.part_rows_of(session, ticket.id)
    return make_statement(_lines(stored, parts), is_free(ticket))


async def statement_for(ctx: Context, ticket: Any) -> Statement:
    loaders = ctx.loaders
    stored = await loaders.ticket_charge_lines.load(ticket.id)
    used = await loaders.ticket_parts.load(ticket.id)
    names = await loaders.part.load_many([line.part_id for line in used])
    parts = [(line, part.name if part else "") for line, part in zip(used, names, strict=True)]
    return make_statement(_lines(stored, parts), is_free(ticket))
