"""Closing takes three parties (the engineer asks, the customer confirms and rates, the back office confirms finally); or the ticket is cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain import validation
from domain.events import EventType
from domain.notifications.kinds import NotificationKind
from domain.roles import Role
from domain.tickets.lifecycle import (
    FINAL_CONFIRMERS,
    Move,
    check_rating,
)
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.charges.statement import statement_in
from resolvers.charges.warranty import WarrantyRepair, warranty_repair
from resolvers.maintenance.plans import record_maintained
from resolvers.notifications.notices import notify, settle
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, flush_version, move_ticket

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.tickets.inputs import RatingInput


async def final_confirmers(session: AsyncSession, kind: str) -> list[int]:
    """Who is told a ticket awaits its final confirmation: the back office handling its
    kind, or, with none, the admins."""
    office = await ticket_rows.user_ids_with_roles(session, [Role.BACK_OFFICE], handling=kind)
    return office or await ticket_rows.user_ids_with_roles(session, FINAL_CONFIRMERS, handling=kind)


async def request_close(
    ctx: Context,
    ticket_id: str,
    summary: str,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    cleaned = validation.text(summary, "summary", max_length=4000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.close_summary, row.close_requested_at = cleaned, utcnow()
        row.close_reminded_at = None
        await flush_version(change)
        emit_ticket_event(
            change.work, EventType.TICKET_CLOSE_REQUESTED, row, change.customer, summary=cleaned
        )
        customers = await ticket_rows.customer_user_ids(change.session, row.customer_id)
        # What the customer confirms with the close: the statement as it stands now.
        owed = (await statement_in(change.session, row)).total
        await notify(
            change.work,
            row,
            customers,
            NotificationKind.CLOSE_REQUESTED,
            f"{row.number}: please confirm (charges {owed})",
        )

    return await move_ticket(
        ctx,
        operation="requestClose",
        move=Move.REQUEST_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def confirm_close(
    ctx: Context,
    ticket_id: str,
    rating: RatingInput,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    communication = check_rating(rating.communication, "rating.communication")
    quality = check_rating(rating.quality, "rating.quality")
    comment = validation.optional_text(rating.comment, "rating.comment", max_length=2000)

    owed: list[Decimal] = []

    async def before(change: Change) -> None:
        # The customer confirms the statement with the close: its total as it stands
        # (read before the move touches the row: a read after would flush it early).
        owed.append((await statement_in(change.session, change.ticket)).total)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.charges_confirmed_total = owed[0]
        row.rating_communication, row.rating_quality = communication, quality
        row.rating_solved, row.rating_comment = rating.solved, comment
        row.rated_by_id, row.rated_on_behalf = (
            change.actor.user_id,
            change.plan.on_behalf_of_customer,
        )
        row.confirmed_at = utcnow()
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_CLOSE_CONFIRMED,
            row,
            change.customer,
            onBehalfOfCustomer=change.plan.on_behalf_of_customer or None,
        )
        await settle(change.work, row, [NotificationKind.CLOSE_REQUESTED])
        await notify(
            change.work,
            row,
            await final_confirmers(change.session, row.kind),
            NotificationKind.AWAITING_FINAL_CONFIRMATION,
            f"{row.number} awaits final confirmation",
        )

    return await move_ticket(
        ctx,
        operation="confirmClose",
        move=Move.CONFIRM_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        before=before,
        apply=apply,
    )


async def reject_close(
    ctx: Context,
    ticket_id: str,
    reason: str,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    cleaned = validation.text(reason, "reason", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.close_requested_at = None
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_CLOSE_REJECTED,
            row,
            change.customer,
            reason=cleaned,
            onBehalfOfCustomer=change.plan.on_behalf_of_customer or None,
        )
        await settle(change.work, row, [NotificationKind.CLOSE_REQUESTED])
        await notify(
            change.work,
            row,
            [row.dispatched_by_id, row.assignee_id],
            NotificationKind.CLOSE_REJECTED,
            f"{row.number}: closing rejected: {cleaned}",
        )

    return await move_ticket(
        ctx,
        operation="rejectClose",
        move=Move.REJECT_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def finalize_close(ctx: Context, ticket_id: str, expected_version: int | None) -> Any:
    repairs: list[WarrantyRepair | None] = []

    async def before(change: Change) -> None:
        repairs.append(await warranty_repair(change.work, change.ticket))

    async def apply(change: Change) -> None:
        repair = repairs[0]
        if repair is not None:
            change.ticket.warranty_extended_days = repair.extended_days
        change.ticket.closed_at = utcnow()
        await record_maintained(change.work, change.ticket, change.ticket.closed_at)
        await flush_version(change)
        if repair is not None:
            await repair.tell_the_office(change.work, change.ticket)
        emit_ticket_event(change.work, EventType.TICKET_CLOSED, change.ticket, change.customer)
        await settle(change.work, change.ticket, [NotificationKind.AWAITING_FINAL_CONFIRMATION])

    return await move_ticket(
        ctx,
        operation="finalizeClose",
        move=Move.FINALIZE_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        before=before,
        apply=apply,
    )


async def cancel_ticket(
    ctx: Context, ticket_id: str, reason: str, expected_version: int | None
) -> Any:
    cleaned = validation.text(reason, "reason", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.cancelled_at, row.cancel_reason = utcnow(), cleaned
        await flush_version(change)
        emit_ticket_event(
            change.work, EventType.TICKET_CANCELLED, row, change.customer, reason=cleaned
        )
        await settle(change.work, row)
        await notify(
            change.work,
            row,
            [row.assignee_id],
            NotificationKind.CANCELLED,
            f"{row.number} was cancelled",
        )

    return await move_ticket(
        ctx,
        operation="cancelTicket",
        move=Move.CANCEL,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )
