"""Depot repair (返厂维修): each hand-over is a move of the ticket (a new version,
TICKET_DEPOT_STEP live to its readers), in the order of domain.tickets.depot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import validation
from domain.errors import Conflict
from domain.events import EventType
from domain.tickets.depot import DepotStep, check_step
from domain.tickets.lifecycle import Move
from persistence.models import DepotStepRecord
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, conflict_with, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context


async def advance_depot_repair(
    ctx: Context,
    ticket_id: str,
    step: DepotStep,
    note: str | None,
    tracking_number: str | None,
    expected_version: int | None,
) -> Any:
    cleaned_note = validation.optional_text(note, "note", max_length=2000)
    tracking = validation.optional_text(tracking_number, "trackingNumber", max_length=100)

    async def before(change: Change) -> None:
        last = await ticket_rows.last_depot_step(change.session, change.ticket.id)
        try:
            check_step(DepotStep(last) if last else None, step, change.actor.role)
        except Conflict as exc:
            raise conflict_with(exc, change.ticket) from None

    async def apply(change: Change) -> None:
        row = change.ticket
        change.session.add(
            DepotStepRecord(
                ticket_id=row.id,
                step=step.value,
                at=utcnow(),
                actor_id=change.actor.user_id,
                note=cleaned_note,
                tracking_number=tracking,
            )
        )
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_DEPOT_STEP,
            row,
            change.customer,
            step=step.value,
            trackingNumber=tracking,
            note=cleaned_note,
        )

    return await move_ticket(
        ctx,
        operation="advanceDepotRepair",
        move=Move.DEPOT_STEP,
        ticket_id=ticket_id,
        expected_version=expected_version,
        before=before,
        apply=apply,
    )
