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

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import policy, validation
from domain.errors import BadUserInput, Forbidden, NotFound
from domain.outings import requests as rules
from domain.outings.requests import ExpenseKind, ExpenseMove, ExpenseStatus, OutingStatus
from domain.parts import stock as part_rules
from domain.parts.stock import MovementKind
from domain.policy import Action
from domain.roles import Actor, Role
from domain.tickets.access import can_see
from domain.tickets.lifecycle import TicketStatus
from persistence.models import (
    Customer,
    OutingExpense,
    OutingRequest,
    OutingRequestPart,
    Part,
    Ticket,
    User,
)
from persistence.queries.tickets import user_ids_with_roles
from persistence.types import utcnow
from persistence.unit_of_work import UnitOfWork
from resolvers.context import Context
from resolvers.ids import decode_id, encode_id
from resolvers.notifications.notices import Kind, notify, settle
from resolvers.pagination import paginate
from resolvers.parts.stock import lock_parts, move
from resolvers.records import get_for_update
from resolvers.tickets.moves import actor_kinds, emit_ticket_event, view_of
from schema.outings.inputs import ExpenseLineInput, OutingRequestFilter, OutingRequestInput
from schema.pagination import Connection
from schema.parts.inputs import PartLineInput

APPROVERS = (Role.ADMIN, Role.BACK_OFFICE)
MAX_NOTE = 2000
MAX_RECEIPT = 200


# -- reading rules ---------------------------------------------------------------


def may_read(actor: Actor, row: OutingRequest) -> bool:
    """The office reads every request; an engineer their own; no one else any."""
    if not policy.allowed(actor, Action.OUTING_READ):
        return False
    return actor.role is not Role.ENGINEER or row.engineer_id == actor.user_id


# -- inputs ----------------------------------------------------------------------


def _part_lines(lines: list[PartLineInput] | None) -> dict[int, tuple[int, int]]:
    """part pk -> (quantity, index of its first line), a part named twice added up."""
    merged: dict[int, tuple[int, int]] = {}
    for index, line in enumerate(lines or []):
        pk = decode_id(line.part_id, "Part", field=f"parts[{index}].partId")
        count = part_rules.quantity(line.quantity, f"parts[{index}].quantity")
        if line.unit_price is not None:
            raise BadUserInput(
                "has no meaning on an outing request (parts are issued, not sold)",
                field=f"parts[{index}].unitPrice",
            )
        before, first = merged.get(pk, (0, index))
        merged[pk] = (part_rules.quantity(before + count, f"parts[{index}].quantity"), first)
    return merged


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


# -- shared steps ----------------------------------------------------------------


async def _lock_ticket(session: AsyncSession, pk: int) -> tuple[Ticket, Customer]:
    ticket = await session.get(Ticket, pk, with_for_update=True, populate_existing=True)
    customer = await session.get(Customer, ticket.customer_id) if ticket else None
    if ticket is None or customer is None:
        raise NotFound("ticket not found", field="ticketId")
    return ticket, customer


async def _lock_request(session: AsyncSession, id_: str) -> OutingRequest:
    pk = decode_id(id_, "OutingRequest")
    return await get_for_update(session, OutingRequest, pk, "outing request")


async def _check_parts_exist(session: AsyncSession, lines: dict[int, tuple[int, int]]) -> None:
    if not lines:
        return
    stmt = select(Part.id).where(Part.id.in_(list(lines)), Part.deleted_at.is_(None))
    found = set((await session.scalars(stmt)).all())
    for pk, (_count, index) in lines.items():
        if pk not in found:
            raise NotFound(
                "part not found", field=f"parts[{index}].partId", partId=encode_id("Part", pk)
            )


async def _expense_rows(session: AsyncSession, request_pk: int) -> list[OutingExpense]:
    stmt = (
        select(OutingExpense)
        .where(OutingExpense.outing_request_id == request_pk, OutingExpense.deleted_at.is_(None))
        .order_by(OutingExpense.id)
    )
    return list((await session.scalars(stmt)).all())


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
        for expense in await _expense_rows(work.session, row.id):
            expense.status = ExpenseStatus.REJECTED.value
            expense.rejected_by_id, expense.rejected_at = actor.user_id, now
            expense.rejection_note = f"the outing was {decision.value.lower()}"
    await work.session.flush()
    request_id = encode_id("OutingRequest", row.id)
    work.touched(request_id)
    work.detail = {"status": decision.value, **({"note": note} if note else {})}
    await settle(work, ticket, [Kind.OUTING_REQUESTED], outing_request_id=row.id)
    told = {
        OutingStatus.APPROVED: (Kind.OUTING_APPROVED, "approved"),
        OutingStatus.REJECTED: (Kind.OUTING_REJECTED, "rejected"),
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
    emit_ticket_event(
        work, f"OUTING_{decision.value}", ticket, customer, outingRequestId=request_id
    )


# -- requests --------------------------------------------------------------------


async def create_outing_request(ctx: Context, data: OutingRequestInput) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_REQUEST)
    ticket_pk = decode_id(data.ticket_id, "Ticket", field="ticketId")
    parts = _part_lines(data.parts)
    expenses = _expense_lines(data.expenses)
    rules.check_lines(len(parts), len(expenses))
    note = validation.optional_text(data.note, "note", max_length=MAX_NOTE)
    async with ctx.write("createOutingRequest", actor=actor) as work:
        session = work.session
        ticket, customer = await _lock_ticket(session, ticket_pk)
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
            OutingRequestPart(outing_request_id=row.id, part_id=pk, quantity=count)
            for pk, (count, _index) in parts.items()
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
            Kind.OUTING_REQUESTED,
            f"{who} asks to go out for {ticket.number}",
            outing_request_id=row.id,
        )
        emit_ticket_event(work, "OUTING_REQUESTED", ticket, customer, outingRequestId=request_id)
    return row


async def approve_outing_request(ctx: Context, id_: str, note: str | None) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_DECIDE)
    cleaned = validation.optional_text(note, "note", max_length=MAX_NOTE)
    async with ctx.write("approveOutingRequest", actor=actor) as work:
        session = work.session
        row = await _lock_request(session, id_)
        decision = rules.decide(OutingStatus(row.status), OutingStatus.APPROVED)
        ticket, customer = await _lock_ticket(session, row.ticket_id)
        rules.check_approvable(TicketStatus(ticket.status), ticket.assignee_id, row.engineer_id)
        lines = list(
            (
                await session.scalars(
                    select(OutingRequestPart)
                    .where(
                        OutingRequestPart.outing_request_id == row.id,
                        OutingRequestPart.deleted_at.is_(None),
                    )
                    .order_by(OutingRequestPart.id)
                )
            ).all()
        )
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
        row = await _lock_request(work.session, id_)
        decision = rules.decide(OutingStatus(row.status), OutingStatus.REJECTED)
        ticket, customer = await _lock_ticket(work.session, row.ticket_id)
        await _conclude(work, row, decision, actor, cleaned, ticket, customer)
    return row


async def cancel_outing_request(ctx: Context, id_: str) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_REQUEST)
    async with ctx.write("cancelOutingRequest", actor=actor) as work:
        row = await _lock_request(work.session, id_)
        if row.engineer_id != actor.user_id:
            raise NotFound("outing request not found")
        decision = rules.decide(OutingStatus(row.status), OutingStatus.CANCELLED)
        ticket, customer = await _lock_ticket(work.session, row.ticket_id)
        await _conclude(work, row, decision, actor, None, ticket, customer)
    return row


# -- expenses --------------------------------------------------------------------


async def _lock_expense(
    session: AsyncSession, expense_id: str
) -> tuple[OutingExpense, OutingRequest]:
    """The expense line and its request, both locked: the request first, as every
    operation on a request does, so none can wait on another."""
    pk = decode_id(expense_id, "OutingExpense", field="expenseId")
    request_pk = await session.scalar(
        select(OutingExpense.outing_request_id).where(OutingExpense.id == pk)
    )
    if request_pk is None:
        raise NotFound("expense not found", field="expenseId")
    request = await get_for_update(session, OutingRequest, request_pk, "outing request")
    row = await get_for_update(session, OutingExpense, pk, "expense")
    return row, request


async def _tell(
    work: UnitOfWork,
    row: OutingExpense,
    request: OutingRequest,
    kind: str,
    done: str,
) -> None:
    """Tells the engineer what became of their claim, live; once no claim of the
    request waits any more, every approver's EXPENSE_CLAIMED notification is handled."""
    amount = row.paid_amount or row.approved_amount or row.claimed_amount or row.amount
    message = f"{row.kind.lower()} expense of {amount} {done}"
    await notify(work, None, [request.engineer_id], kind, message, outing_request_id=request.id)
    waiting = await work.session.scalar(
        select(OutingExpense.id).where(
            OutingExpense.outing_request_id == request.id,
            OutingExpense.status == ExpenseStatus.CLAIMED.value,
        )
    )
    if waiting is None:
        await settle(work, None, [Kind.EXPENSE_CLAIMED], outing_request_id=request.id)


async def claim_expense(
    ctx: Context, expense_id: str, amount: Decimal, receipt: str, note: str | None
) -> OutingExpense:
    actor = await ctx.actor()
    policy.require(actor, Action.EXPENSE_CLAIM)
    claimed = rules.amount(amount, "amount")
    cleaned_receipt = validation.text(receipt, "receipt", max_length=MAX_RECEIPT)
    cleaned_note = validation.optional_text(note, "note", max_length=MAX_NOTE)
    async with ctx.write("claimExpense", actor=actor) as work:
        row, request = await _lock_expense(work.session, expense_id)
        if request.engineer_id != actor.user_id:
            raise NotFound("expense not found", field="expenseId")
        rules.check_claimable(OutingStatus(request.status))
        row.status = rules.expense_move(ExpenseMove.CLAIM, ExpenseStatus(row.status)).value
        row.claimed_amount, row.receipt, row.claimed_at = claimed, cleaned_receipt, utcnow()
        row.claim_note = cleaned_note
        work.touched(encode_id("OutingExpense", row.id))
        work.detail = {"amount": str(claimed), "receipt": cleaned_receipt}
        # The ticket's kind decides which approvers handle it (kind limits).
        kind = await work.session.scalar(select(Ticket.kind).where(Ticket.id == request.ticket_id))
        approvers = await user_ids_with_roles(work.session, APPROVERS, handling=kind)
        message = (
            f"{actor.username} claims {claimed} ({row.kind.lower()}, receipt {cleaned_receipt})"
        )
        await notify(
            work, None, approvers, Kind.EXPENSE_CLAIMED, message, outing_request_id=request.id
        )
    return row


async def approve_expense(ctx: Context, expense_id: str, amount: Decimal | None) -> OutingExpense:
    actor = await ctx.actor()
    policy.require(actor, Action.EXPENSE_SETTLE)
    async with ctx.write("approveExpense", actor=actor) as work:
        row, request = await _lock_expense(work.session, expense_id)
        target = rules.expense_move(ExpenseMove.APPROVE, ExpenseStatus(row.status))
        assert row.claimed_amount is not None  # CLAIMED lines carry their claim
        row.approved_amount = rules.approved_amount(row.claimed_amount, amount)
        row.status = target.value
        row.approved_by_id, row.approved_at = actor.user_id, utcnow()
        work.touched(encode_id("OutingExpense", row.id))
        work.detail = {"amount": str(row.approved_amount)}
        await _tell(work, row, request, Kind.EXPENSE_APPROVED, "approved")
    return row


async def pay_expense(ctx: Context, expense_id: str) -> OutingExpense:
    actor = await ctx.actor()
    policy.require(actor, Action.EXPENSE_SETTLE)
    async with ctx.write("payExpense", actor=actor) as work:
        row, request = await _lock_expense(work.session, expense_id)
        row.status = rules.expense_move(ExpenseMove.PAY, ExpenseStatus(row.status)).value
        row.paid_amount = row.approved_amount
        row.paid_by_id, row.paid_at = actor.user_id, utcnow()
        work.touched(encode_id("OutingExpense", row.id))
        work.detail = {"amount": str(row.paid_amount)}
        await _tell(work, row, request, Kind.EXPENSE_PAID, "paid")
    return row


async def reject_expense(ctx: Context, expense_id: str, note: str) -> OutingExpense:
    actor = await ctx.actor()
    policy.require(actor, Action.EXPENSE_SETTLE)
    cleaned = validation.text(note, "note", max_length=MAX_NOTE)
    async with ctx.write("rejectExpense", actor=actor) as work:
        row, request = await _lock_expense(work.session, expense_id)
        row.status = rules.expense_move(ExpenseMove.REJECT, ExpenseStatus(row.status)).value
        row.rejection_note, row.rejected_by_id, row.rejected_at = cleaned, actor.user_id, utcnow()
        work.touched(encode_id("OutingExpense", row.id))
        work.detail = {"note": cleaned}
        await _tell(work, row, request, Kind.EXPENSE_REJECTED, f"rejected: {cleaned}")
    return row


# -- reads -----------------------------------------------------------------------


async def outing_requests(
    ctx: Context, first: int | None, after: str | None, filter: OutingRequestFilter | None
) -> Connection[OutingRequest]:
    """Newest first; an engineer's own only."""
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_READ)
    stmt = select(OutingRequest).where(OutingRequest.deleted_at.is_(None))
    if actor.role is Role.ENGINEER:
        stmt = stmt.where(OutingRequest.engineer_id == actor.user_id)
    if filter is not None:
        if filter.status is not None:
            stmt = stmt.where(OutingRequest.status == filter.status.value)
        if filter.ticket_id is not None:
            ticket_pk = decode_id(filter.ticket_id, "Ticket", field="filter.ticketId")
            stmt = stmt.where(OutingRequest.ticket_id == ticket_pk)
        if filter.engineer_id is not None:
            engineer_pk = decode_id(filter.engineer_id, "User", field="filter.engineerId")
            if actor.role is Role.ENGINEER and engineer_pk != actor.user_id:
                raise Forbidden("an engineer reads only their own outing requests")
            stmt = stmt.where(OutingRequest.engineer_id == engineer_pk)
    async with ctx.read() as session:
        return await paginate(
            session,
            stmt,
            OutingRequest.id,
            first=first,
            after=after,
            settings=ctx.settings,
            newest_first=True,
        )


async def outing_request(ctx: Context, id_: str) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_READ)
    pk = decode_id(id_, "OutingRequest")
    async with ctx.read() as session:
        row = await session.get(OutingRequest, pk)
    if row is None or row.is_deleted or not may_read(actor, row):
        raise NotFound("outing request not found")
    return row
