"""Dispatching: dispatch (or reassign), and the engineer's acknowledgement or decline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import validation
from domain.errors import BadUserInput
from domain.events import EventType
from domain.notifications.kinds import NotificationKind
from domain.roles import Role
from domain.tickets.lifecycle import (
    Move,
    TicketFacts,
    TicketKind,
    TicketStatus,
    check_dispatch_target,
)
from persistence.models import User
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.dispatch_rules.auto import auto_dispatch
from resolvers.ids import decode_id
from resolvers.notifications.notices import notify, settle
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context


async def dispatch_ticket(
    ctx: Context, ticket_id: str, engineer_id: str, note: str | None, expected_version: int | None
) -> Any:
    engineer_pk = decode_id(engineer_id, "User", field="engineerId")
    cleaned_note = validation.optional_text(note, "note", max_length=2000)

    async def before(change: Change) -> None:
        engineer = await change.session.get(User, engineer_pk)
        if (
            engineer is None
            or engineer.role != Role.ENGINEER.value
            or not engineer.enabled
            or engineer.is_deleted
        ):
            raise BadUserInput("is not an active engineer", field="engineerId")
        kinds = await ticket_rows.kinds_for(change.session, engineer.id, Role.ENGINEER)
        if TicketKind(change.ticket.kind) not in kinds:
            raise BadUserInput(
                f"this engineer does not handle {change.ticket.kind} tickets", field="engineerId"
            )
        check_dispatch_target(
            TicketFacts(
                TicketStatus(change.ticket.status),
                change.ticket.assignee_id,
                change.ticket.customer_id,
            ),
            engineer_pk,
        )

    async def apply(change: Change) -> None:
        row, work = change.ticket, change.work
        previous = row.assignee_id
        row.assignee_id = engineer_pk
        row.dispatched_by_id = change.actor.user_id
        row.dispatch_rule_id = None  # a person dispatched it
        row.dispatched_at = utcnow()
        row.dispatch_note = cleaned_note
        row.accepted_at = None
        await flush_version(change)
        reassigned = previous is not None and previous != engineer_pk
        emit_ticket_event(
            work,
            EventType.TICKET_REASSIGNED if reassigned else EventType.TICKET_DISPATCHED,
            row,
            change.customer,
            previous_assignee_id=previous if reassigned else None,
            note=cleaned_note,
        )
        await settle(work, row, [NotificationKind.DECLINED, NotificationKind.CLOSE_REJECTED])
        if reassigned:
            await settle(
                work,
                row,
                [NotificationKind.DISPATCHED, NotificationKind.AUTO_DISPATCHED],
                user_id=previous,
            )
            await notify(
                work,
                row,
                [previous],
                NotificationKind.REASSIGNED_AWAY,
                f"{row.number} was reassigned",
            )
        await notify(
            work, row, [engineer_pk], NotificationKind.DISPATCHED, f"{row.number} dispatched to you"
        )

    return await move_ticket(
        ctx,
        operation="dispatchTicket",
        move=Move.DISPATCH,
        ticket_id=ticket_id,
        expected_version=expected_version,
        before=before,
        apply=apply,
    )


async def acknowledge_ticket(
    ctx: Context, ticket_id: str, expected_version: int | None, idempotency_key: str | None
) -> Any:
    async def apply(change: Change) -> None:
        change.ticket.accepted_at = utcnow()
        await flush_version(change)
        emit_ticket_event(
            change.work, EventType.TICKET_ACKNOWLEDGED, change.ticket, change.customer
        )
        await settle(
            change.work,
            change.ticket,
            [NotificationKind.DISPATCHED, NotificationKind.AUTO_DISPATCHED],
            user_id=change.actor.user_id,
        )

    return await move_ticket(
        ctx,
        operation="acknowledgeTicket",
        move=Move.ACKNOWLEDGE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def decline_ticket(
    ctx: Context,
    ticket_id: str,
    reason: str,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    cleaned = validation.text(reason, "reason", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        engineer = row.assignee_id
        row.assignee_id = None
        row.accepted_at = None
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_DECLINED,
            row,
            change.customer,
            previous_assignee_id=engineer,
            reason=cleaned,
        )
        await settle(
            change.work,
            row,
            [NotificationKind.DISPATCHED, NotificationKind.AUTO_DISPATCHED],
            user_id=engineer,
        )
        await notify(
            change.work,
            row,
            [row.dispatched_by_id],
            NotificationKind.DECLINED,
            f"{row.number} was declined: {cleaned}",
        )
        # A rule may give it to someone else at once (never back to this engineer).
        await auto_dispatch(change.work, row, change.customer, declined_by=engineer)

    return await move_ticket(
        ctx,
        operation="declineTicket",
        move=Move.DECLINE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )
