"""Estimates (预计费用): before chargeable work the office tells the customer what it
will cost; the customer (staff for one without an account, recorded as such) accepts
or refuses. A refusal lets the office cancel the ticket free of charge
(domain.charges.statement.free_of_charge). Sending again replaces the estimate."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain import validation
from domain.charges.statement import EstimateStatus, check_estimate_answer
from domain.errors import Conflict
from domain.events import EventType
from domain.money import amount as money_amount
from domain.notifications.kinds import NotificationKind
from domain.tickets.lifecycle import Move
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.notifications.notices import notify, settle
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, conflict_with, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context


async def send_estimate(
    ctx: Context, ticket_id: str, amount: Decimal, note: str | None, expected_version: int | None
) -> Any:
    value = money_amount(amount, "amount")
    cleaned = validation.optional_text(note, "note", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.estimate_amount, row.estimate_note = value, cleaned
        row.estimate_status, row.estimate_sent_at = EstimateStatus.SENT.value, utcnow()
        row.estimate_answered_at = row.estimate_answered_by_id = None
        row.estimate_on_behalf = False
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.ESTIMATE_SENT,
            row,
            change.customer,
            amount=str(value),
            note=cleaned,
        )
        await settle(change.work, row, [NotificationKind.ESTIMATE_SENT])
        await notify(
            change.work,
            row,
            await ticket_rows.customer_user_ids(change.session, row.customer_id),
            NotificationKind.ESTIMATE_SENT,
            f"{row.number}: the estimated cost is {value}; please accept or refuse",
        )

    return await move_ticket(
        ctx,
        operation="sendEstimate",
        move=Move.SEND_ESTIMATE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )


async def answer_estimate(
    ctx: Context, ticket_id: str, accept: bool, expected_version: int | None
) -> Any:
    async def before(change: Change) -> None:
        status = change.ticket.estimate_status
        try:
            check_estimate_answer(EstimateStatus(status) if status else None)
        except Conflict as exc:
            raise conflict_with(exc, change.ticket) from None

    async def apply(change: Change) -> None:
        row = change.ticket
        answer = EstimateStatus.ACCEPTED if accept else EstimateStatus.REFUSED
        row.estimate_status, row.estimate_answered_at = answer.value, utcnow()
        row.estimate_answered_by_id = change.actor.user_id
        row.estimate_on_behalf = change.plan.on_behalf_of_customer
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.ESTIMATE_ANSWERED,
            row,
            change.customer,
            accepted=accept,
            onBehalfOfCustomer=change.plan.on_behalf_of_customer or None,
        )
        await settle(change.work, row, [NotificationKind.ESTIMATE_SENT])
        await notify(
            change.work,
            row,
            [row.dispatched_by_id, row.assignee_id],
            NotificationKind.ESTIMATE_ANSWERED,
            f"{row.number}: the customer {'accepted' if accept else 'refused'} the estimate",
        )

    return await move_ticket(
        ctx,
        operation="answerEstimate",
        move=Move.ANSWER_ESTIMATE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        before=before,
        apply=apply,
    )
