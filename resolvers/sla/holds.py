"""Holds: the assignee or a dispatcher pauses the ticket's SLA clock (waiting for parts,
the customer, a third party); the status stays as it is. Each is a move of the ticket
(a new version, an event)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import validation
from domain.errors import Conflict
from domain.events import EventType
from domain.sla.clock import HoldReason
from domain.tickets.lifecycle import Move
from persistence.types import utcnow
from resolvers.sla.clock import end_hold
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, conflict_with, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context


async def hold_ticket(
    ctx: Context, ticket_id: str, reason: HoldReason, note: str | None, expected_version: int | None
) -> Any:
    cleaned = validation.optional_text(note, "note", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        if row.hold_since is not None:
            raise conflict_with(Conflict(f"the ticket is already on hold ({row.hold_reason})"), row)
        row.hold_reason, row.hold_note, row.hold_since = reason.value, cleaned, utcnow()
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_HELD,
            row,
            change.customer,
            reason=reason.value,
            note=cleaned,
        )

    return await move_ticket(
        ctx,
        operation="holdTicket",
        move=Move.HOLD,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )


async def resume_ticket(ctx: Context, ticket_id: str, expected_version: int | None) -> Any:
    async def apply(change: Change) -> None:
        row = change.ticket
        if row.hold_since is None:
            raise conflict_with(Conflict("the ticket is not on hold"), row)
        reason = row.hold_reason or ""
        held = await end_hold(change.work, row, utcnow())
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_RESUMED,
            row,
            change.customer,
            reason=reason,
            heldMinutes=held,
        )

    return await move_ticket(
        ctx,
        operation="resumeTicket",
        move=Move.RESUME,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )
