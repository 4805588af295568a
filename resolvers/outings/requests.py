"""Engineer outing requests: asked by the ticket's engineer, decided by ADMIN or
BACK_OFFICE (approval issues the parts to the engineer, all or nothing), and the
expense lines reimbursed later (claimed, approved, paid).

Every operation that changes a request locks the request row first, then its ticket,
then the parts (the order ticket moves use after the ticket), so none can wait on
another. The ticket is locked even though it does not change: the OUTING_* event it
gets carries the ticket's state, which must not be overtaken by a move committing
meanwhile. Such an event does not bump the ticket's version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.errors import NotFound
from domain.events import EventType
from domain.notifications.kinds import NotificationKind
from domain.outings import requests as rules
from domain.outings.requests import ExpenseKind, ExpenseStatus, OutingStatus
from domain.parts.lines import AskedLine, LinePrices
from domain.parts.stock import MovementKind
from domain.policy import Action
from domain.roles import Actor, Role
from domain.tickets.access import can_see
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import TicketStatus
from persistence.models import (
    Customer,
    OutingExpense,
    OutingRequest,
    OutingRequestPart,
    Ticket,
    User,
)
from persistence.queries.outings import live_part_ids, request_expenses, request_part_lines
from persistence.queries.tickets import user_ids_with_roles
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id
from resolvers.notifications.notices import notify, settle
from resolvers.parts.lines import asked_lines
from resolvers.parts.stock import lock_parts, move
from resolvers.records import get_for_update
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.idempotency import (
    check_key,
    idempotent_record,
    remember_record,
    stored_record,
)
from resolvers.tickets.reads import view_of

if TYPE_CHECKING:
    from decimal import Decimal

    from sqlalchemy.ext.asyncio import AsyncSession

    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context
    from schema.outings.inputs import ExpenseLineInput, OutingRequestInput

APPROVERS = (Role.ADMIN, Role.BACK_OFFICE)
# The ticket event of each way a request is concluded.
DECIDED = {
    OutingStatus.APPROVED: EventType.OUTING_APPROVED,
    OutingStatus.REJECTED: EventType.OUTING_REJECTED,
    OutingStatus.CANCELLED: EventType.OUTING_CANCELLED,
}


MAX_NOTE = 2000


def _expense_lines(
    lines: list[ExpenseLineInput] | None,
) -> list[tuple[ExpenseKind, Decimal, str | None]]:
    return [
        (
            ExpenseKind(line.kind.value),
            rules.amount(line.amount, f"expenses[{index}].amount"),
            validation.optional_text(line.note, f"expenses[{index}].note", max_length=MAX_NOTE),
        )
        for index, line in enumerate(lines or [])
    ]


async def lock_ticket(session: AsyncSession, pk: int) -> tuple[Ticket, Customer]:
    ticket = await session.get(Ticket, pk, with_for_update=True, populate_existing=True)
    customer = await session.get(Customer, ticket.customer_id) if ticket else None
    if ticket is None or customer is None:
        raise NotFound("ticket not found", field="ticketId")
    return ticket, customer


async def lock_request(session: AsyncSession, id_: str) -> OutingRequest:
    pk = decode_id(id_, "OutingRequest")
    return await get_for_update(session, OutingRequest, pk, "outing request")


async def _check_parts_exist(session: AsyncSession, lines: list[AskedLine]) -> None:
    if not lines:
        return
    found = await live_part_ids(session, [line.part_id for line in lines])
    for line in lines:
        if line.part_id not in found:
            raise NotFound(
                "part not found", field=line.part_field, partId=encode_id("Part", line.part_id)
            )


async def _conclude(
    work: UnitOfWork,
    row: OutingRequest,
    decision: OutingStatus,
    actor: Actor,
    note: str | None,
    ticket: Ticket,
    customer: Customer,
) -> None:
    """Records the decision, settles every approver's OUTING_REQUESTED notification,
    tells the engineer (unless they cancelled it themselves) and every screen watching
    the ticket."""
    row.status = decision.value
    now = utcnow()
    row.decided_by_id, row.decided_at, row.decision_note = actor.user_id, now, note
    if decision is not OutingStatus.APPROVED:
        # Nothing of a refused outing is reimbursed.
        for expense in await request_expenses(work.session, row.id):
            expense.status = ExpenseStatus.REJECTED.value
            expense.rejected_by_id, expense.rejected_at = actor.user_id, now
            expense.rejection_note = f"the outing was {decision.value.lower()}"
    await work.session.flush()
    request_id = encode_id("OutingRequest", row.id)
    work.touched(request_id)
    work.detail = {"status": decision.value, **({"note": note} if note else {})}
    await settle(work, ticket, [NotificationKind.OUTING_REQUESTED], outing_request_id=row.id)
    told = {
        OutingStatus.APPROVED: (NotificationKind.OUTING_APPROVED, "approved"),
        OutingStatus.REJECTED: (NotificationKind.OUTING_REJECTED, "rejected"),
    }.get(decision)
    if told is not None:
        kind, verb = told
        message = f"Your outing request for {ticket.number} was {verb}"
        await notify(
            work,
            ticket,
            [row.engineer_id],
            kind,
            f"{message}: {note}" if note else message,
            outing_request_id=row.id,
        )
    emit_ticket_event(work, DECIDED[decision], ticket, customer, outingRequestId=request_id)


async def create_outing_request(ctx: Context, data: OutingRequestInput) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_REQUEST)
    ticket_pk = decode_id(data.ticket_id, "Ticket", field="ticketId")
    # Parts are issued on an outing, not sold: no unit price; money-only requests are fine.
    parts = asked_lines(data.parts, prices=LinePrices.NONE, field="parts", required=False)
    expenses = _expense_lines(data.expenses)
    rules.check_lines(len(parts), len(expenses))
    note = validation.optional_text(data.note, "note", max_length=MAX_NOTE)
    key = check_key(data.idempotency_key)
    return await idempotent_record(  # type: ignore[no-any-return]
        ctx,
        actor,
        key,
        "createOutingRequest",
        OutingRequest,
        lambda: _create_outing_request(ctx, actor, key, ticket_pk, parts, expenses, note),
    )


async def _create_outing_request(
    ctx: Context,
    actor: Actor,
    key: str | None,
    ticket_pk: int,
    parts: Any,
    expenses: Any,
    note: str | None,
) -> OutingRequest:
    async with ctx.write("createOutingRequest", actor=actor) as work:
        session = work.session
        ticket, customer = await lock_ticket(session, ticket_pk)
        # Looked up under the ticket's lock: a concurrent retry waits for the first.
        if key and (
            pk := await stored_record(session, actor, key, "createOutingRequest", "OutingRequest")
        ):
            replay = await session.get(OutingRequest, pk)
            assert replay is not None
            ctx.wrote(encode_id("OutingRequest", replay.id))
            return replay
        # Only the engineer the ticket is assigned to sees it, so only they may ask.
        if not can_see(actor, view_of(ticket, customer), actor_kinds(actor)):
            raise NotFound("ticket not found", field="ticketId")
        rules.check_requestable(TicketStatus(ticket.status))
        await _check_parts_exist(session, parts)
        row = OutingRequest(
            ticket_id=ticket.id,
            engineer_id=actor.user_id,
            status=OutingStatus.PENDING.value,
            note=note,
        )
        session.add(row)
        await session.flush()
        session.add_all(
            OutingRequestPart(
                outing_request_id=row.id, part_id=line.part_id, quantity=line.quantity
            )
            for line in parts
        )
        session.add_all(
            OutingExpense(
                outing_request_id=row.id,
                kind=kind.value,
                amount=money,
                note=line_note,
                status=ExpenseStatus.REQUESTED.value,
            )
            for kind, money, line_note in expenses
        )
        await session.flush()
        request_id = encode_id("OutingRequest", row.id)
        work.touched(request_id)
        engineer = await session.get(User, actor.user_id)
        who = engineer.display_name if engineer else actor.username
        approvers = await user_ids_with_roles(session, APPROVERS, handling=ticket.kind)
        await notify(
            work,
            ticket,
            approvers,
            NotificationKind.OUTING_REQUESTED,
            f"{who} asks to go out for {ticket.number}",
            outing_request_id=row.id,
        )
        emit_ticket_event(
            work, EventType.OUTING_REQUESTED, ticket, customer, outingRequestId=request_id
        )
        if key:
            await remember_record(
                work, actor, key, "createOutingRequest", ticket.id, "OutingRequest", row.id
            )
    return row


async def approve_outing_request(ctx: Context, id_: str, note: str | None) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_DECIDE)
    cleaned = validation.optional_text(note, "note", max_length=MAX_NOTE)
    async with ctx.write("approveOutingRequest", actor=actor) as work:
        session = work.session
        row = await lock_request(session, id_)
        decision = rules.decide(OutingStatus(row.status), OutingStatus.APPROVED)
        ticket, customer = await lock_ticket(session, row.ticket_id)
        rules.check_approvable(TicketStatus(ticket.status), ticket.assignee_id, row.engineer_id)
        lines = await request_part_lines(session, row.id)
        # All or nothing: a short line raises, and the whole transaction rolls back.
        locked = await lock_parts(work, [line.part_id for line in lines], field="parts")
        for index, line in enumerate(lines):
            await move(
                work,
                locked[line.part_id],
                MovementKind.ISSUE_TO_ENGINEER,
                warehouse=-line.quantity,
                engineer_id=row.engineer_id,
                engineer=line.quantity,
                outing_request_id=row.id,
                reason=f"outing for {ticket.number}",
                field=f"parts[{index}].quantity",
            )
        await _conclude(work, row, decision, actor, cleaned, ticket, customer)
    return row


async def reject_outing_request(ctx: Context, id_: str, note: str) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_DECIDE)
    cleaned = validation.text(note, "note", max_length=MAX_NOTE)
    async with ctx.write("rejectOutingRequest", actor=actor) as work:
        row = await lock_request(work.session, id_)
        decision = rules.decide(OutingStatus(row.status), OutingStatus.REJECTED)
        ticket, customer = await lock_ticket(work.session, row.ticket_id)
        await _conclude(work, row, decision, actor, cleaned, ticket, customer)
    return row


async def cancel_outing_request(ctx: Context, id_: str) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_REQUEST)
    async with ctx.write("cancelOutingRequest", actor=actor) as work:
        row = await lock_request(work.session, id_)
        if row.engineer_id != actor.user_id:
            raise NotFound("outing request not found")
        decision = rules.decide(OutingStatus(row.status), OutingStatus.CANCELLED)
        ticket, customer = await lock_ticket(work.session, row.ticket_id)
        await _conclude(work, row, decision, actor, None, ticket, customer)
    return row
