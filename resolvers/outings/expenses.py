"""Outing expenses: claimed by the engineer against a receipt, then approved (at most
the claim), paid, or rejected by ADMIN or BACK_OFFICE. Each step locks the request,
then the line; the engineer or the approvers are told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.notifications.kinds import NotificationKind
from domain.outings import requests as rules
from domain.outings.requests import ExpenseMove, ExpenseStatus, OutingStatus
from domain.policy import Action
from persistence.models import (
    OutingExpense,
    OutingRequest,
)
from persistence.queries.outings import claim_waiting, expense_request_id, ticket_kind
from persistence.queries.tickets import user_ids_with_roles
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id
from resolvers.notifications.notices import notify, settle
from resolvers.outings.requests import APPROVERS, MAX_NOTE
from resolvers.records import get_for_update
from resolvers.tickets.idempotency import (
    check_key,
    idempotent_record,
    remember_record,
    stored_record,
)

if TYPE_CHECKING:
    from decimal import Decimal

    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.roles import Actor
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context

MAX_RECEIPT = 200


async def _lock_expense(
    session: AsyncSession, expense_id: str
) -> tuple[OutingExpense, OutingRequest]:
    """The expense line and its request, both locked: the request first, as every
    operation on a request does, so none can wait on another."""
    pk = decode_id(expense_id, "OutingExpense", field="expenseId")
    request_pk = await expense_request_id(session, pk)
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
    if not await claim_waiting(work.session, request.id):
        await settle(work, None, [NotificationKind.EXPENSE_CLAIMED], outing_request_id=request.id)


async def claim_expense(
    ctx: Context,
    expense_id: str,
    amount: Decimal,
    receipt: str,
    note: str | None,
    idempotency_key: str | None = None,
) -> OutingExpense:
    """A retry with the same `idempotency_key` (a phone that lost the answer) gets the
    first claim back and changes nothing more."""
    actor = await ctx.actor()
    policy.require(actor, Action.EXPENSE_CLAIM)
    claimed = rules.amount(amount, "amount")
    cleaned_receipt = validation.text(receipt, "receipt", max_length=MAX_RECEIPT)
    cleaned_note = validation.optional_text(note, "note", max_length=MAX_NOTE)
    key = check_key(idempotency_key)

    async def attempt() -> OutingExpense:
        return await _claim(ctx, actor, key, expense_id, claimed, cleaned_receipt, cleaned_note)

    return await idempotent_record(  # type: ignore[no-any-return]
        ctx, actor, key, "claimExpense", OutingExpense, attempt
    )


async def _claim(
    ctx: Context,
    actor: Actor,
    key: str | None,
    expense_id: str,
    claimed: Decimal,
    cleaned_receipt: str,
    cleaned_note: str | None,
) -> OutingExpense:
    async with ctx.write("claimExpense", actor=actor) as work:
        row, request = await _lock_expense(work.session, expense_id)
        if request.engineer_id != actor.user_id:
            raise NotFound("expense not found", field="expenseId")
        # Under the expense's lock: a concurrent retry waits for the first, then finds it.
        if key and (
            pk := await stored_record(work.session, actor, key, "claimExpense", "OutingExpense")
        ):
            if pk != row.id:
                raise BadUserInput(
                    "was already used for another expense; use a new key",
                    field="idempotencyKey",
                )
            ctx.wrote(encode_id("OutingExpense", row.id))
            return row
        rules.check_claimable(OutingStatus(request.status))
        row.status = rules.expense_move(ExpenseMove.CLAIM, ExpenseStatus(row.status)).value
        row.claimed_amount, row.receipt, row.claimed_at = claimed, cleaned_receipt, utcnow()
        row.claim_note = cleaned_note
        work.touched(encode_id("OutingExpense", row.id))
        work.detail = {"amount": str(claimed), "receipt": cleaned_receipt}
        # The ticket's kind decides which approvers handle it (kind limits).
        kind = await ticket_kind(work.session, request.ticket_id)
        approvers = await user_ids_with_roles(work.session, APPROVERS, handling=kind)
        message = (
            f"{actor.username} claims {claimed} ({row.kind.lower()}, receipt {cleaned_receipt})"
        )
        await notify(
            work,
            None,
            approvers,
            NotificationKind.EXPENSE_CLAIMED,
            message,
            outing_request_id=request.id,
        )
        if key:
            await remember_record(
                work, actor, key, "claimExpense", request.ticket_id, "OutingExpense", row.id
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
        await _tell(work, row, request, NotificationKind.EXPENSE_APPROVED, "approved")
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
        await _tell(work, row, request, NotificationKind.EXPENSE_PAID, "paid")
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
        await _tell(work, row, request, NotificationKind.EXPENSE_REJECTED, f"rejected: {cleaned}")
    return row
