"""Work on a ticket: site check-ins, work records and the remote diagnosis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

from domain import validation
from domain.errors import BadUserInput
from domain.events import EventType
from domain.tickets.lifecycle import (
    Move,
    check_coordinates,
    check_occurred_at,
)
from persistence.models import CheckIn, WorkRecord
from persistence.types import utcnow
from resolvers.charges.lines import charge_labour, charge_travel
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.tickets.inputs import WorkRecordInput


async def check_in(
    ctx: Context,
    ticket_id: str,
    latitude: float,
    longitude: float,
    note: str | None,
    expected_version: int | None,
    idempotency_key: str | None,
    occurred_at: datetime | None = None,
) -> Any:
    """`occurred_at`: when it happened, for a check-in made offline and sent later (the
    server keeps its own receipt time as `createdAt`)."""
    check_coordinates(latitude, longitude)
    cleaned = validation.optional_text(note, "note", max_length=2000)
    claimed = validation.optional_aware_time(occurred_at, "occurredAt")

    async def apply(change: Change) -> None:
        row, now = change.ticket, utcnow()
        at = now
        if claimed is not None:
            at = check_occurred_at(claimed, now, row.dispatched_at, "occurredAt")
            change.occurred_at = at
        row.started_at = min(row.started_at, at) if row.started_at else at
        made = CheckIn(
            ticket_id=row.id,
            engineer_id=change.actor.user_id,
            at=at,
            latitude=latitude,
            longitude=longitude,
            note=cleaned,
        )
        change.session.add(made)
        await flush_version(change)
        await charge_travel(change.work, row, made)
        emit_ticket_event(
            change.work,
            EventType.TICKET_CHECKED_IN,
            row,
            change.customer,
            latitude=latitude,
            longitude=longitude,
            note=cleaned,
            occurredAt=at.isoformat() if claimed is not None else None,
        )

    return await move_ticket(
        ctx,
        operation="checkIn",
        move=Move.CHECK_IN,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def add_work_record(
    ctx: Context,
    ticket_id: str,
    data: WorkRecordInput,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    details = validation.text(data.details, "details", max_length=8000)
    # Zones checked before comparing: a naive and an aware time cannot be compared.
    started_at = validation.aware_time(data.started_at, "startedAt")
    ended_at = validation.aware_time(data.ended_at, "endedAt")
    if ended_at < started_at:
        raise BadUserInput("must not be before startedAt", field="endedAt")

    async def apply(change: Change) -> None:
        # Recorded after the fact, possibly offline: never in the future. (Not bound
        # by the dispatch: work of an engineer the ticket was later taken from stays
        # recordable.)
        now = utcnow()
        check_occurred_at(started_at, now, None, "startedAt")
        check_occurred_at(ended_at, now, None, "endedAt")
        record = WorkRecord(
            ticket_id=change.ticket.id,
            engineer_id=change.actor.user_id,
            started_at=started_at,
            ended_at=ended_at,
            method=validation.optional_text(data.method, "method", max_length=100),
            place=validation.optional_text(data.place, "place"),
            details=details,
            issues_left=validation.optional_text(data.issues_left, "issuesLeft", max_length=4000),
        )
        change.session.add(record)
        await flush_version(change)
        await charge_labour(change.work, change.ticket, record)
        emit_ticket_event(
            change.work, EventType.TICKET_WORK_RECORDED, change.ticket, change.customer
        )

    return await move_ticket(
        ctx,
        operation="addWorkRecord",
        move=Move.RECORD_WORK,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def set_remote_diagnosis(
    ctx: Context, ticket_id: str, diagnosis: str, expected_version: int | None
) -> Any:
    cleaned = validation.text(diagnosis, "diagnosis", max_length=4000)

    async def apply(change: Change) -> None:
        change.ticket.remote_diagnosis = cleaned
        await flush_version(change)
        emit_ticket_event(change.work, EventType.TICKET_DIAGNOSED, change.ticket, change.customer)

    return await move_ticket(
        ctx,
        operation="setRemoteDiagnosis",
        move=Move.UPDATE_DIAGNOSIS,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )
