"""Every move of a ticket goes through `move_ticket`: it locks the ticket row, checks the
expected version and the move, bumps the version through a compare-and-swap UPDATE,
and lets the move write its events (and the notifications they cause) in the same
transaction. A retried move with the same idempotency key returns the first result
and changes nothing more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.errors import BadUserInput, Conflict, NotFound
from domain.roles import Actor, Role
from domain.tickets.access import can_see
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import (
    CUSTOMER_DECISIONS,
    Move,
    Plan,
    TicketFacts,
    TicketKind,
    TicketStatus,
    plan_move,
)
from persistence.errors import ChangedMeanwhile
from persistence.models import Customer, Ticket
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id
from resolvers.sla.clock import after_move
from resolvers.tickets.idempotency import check_key, idempotent, remember, stored_result
from resolvers.tickets.reads import view_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context


@dataclass
class Change:
    """What a move sees: the unit of work, the locked ticket, its customer, the plan."""

    work: UnitOfWork
    ticket: Ticket
    customer: Customer
    plan: Plan
    actor: Actor
    # When the move happened, if not now (a check-in made offline): what it meets of
    # the ticket's SLA counts from then.
    occurred_at: datetime | None = None

    @property
    def session(self) -> AsyncSession:
        return self.work.session


Apply = Callable[[Change], Awaitable[None]]


def conflict_with(exc: Conflict, row: Ticket) -> Conflict:
    exc.extensions.update(currentStatus=row.status, currentVersion=row.version)
    return exc


async def move_ticket(
    ctx: Context,
    *,
    operation: str,
    move: Move,
    ticket_id: str,
    expected_version: int | None,
    idempotency_key: str | None = None,
    before: Callable[[Change], Awaitable[None]] | None = None,
    apply: Apply,
) -> Any:
    actor = await ctx.actor()
    pk = decode_id(ticket_id, "Ticket")
    key = check_key(idempotency_key)
    if expected_version is not None and expected_version < 1:
        raise BadUserInput("must be 1 or more", field="expectedVersion")

    async def attempt() -> Any:
        async with ctx.write(operation, actor=actor) as work:
            session = work.session
            row = await session.get(Ticket, pk, with_for_update=True, populate_existing=True)
            # Looked up under the row lock: a concurrent retry with the same key waits for
            # the first to commit, then finds its result here.
            if key and (replay := await stored_result(session, actor, key, operation, pk)):
                ctx.wrote(encode_id("Ticket", pk))
                return replay
            customer = await session.get(Customer, row.customer_id) if row else None
            if row is None or customer is None:
                raise NotFound("ticket not found")
            kinds = actor_kinds(actor)
            if not can_see(actor, view_of(row, customer), kinds):
                # An engineer who lost the ticket learns it changed; anyone else, nothing.
                taken_away = (
                    actor.role is Role.ENGINEER
                    and TicketKind(row.kind) in kinds
                    and await ticket_rows.was_assigned(session, row.id, actor.user_id)
                )
                if not taken_away:
                    raise NotFound("ticket not found")
            if expected_version is not None and expected_version != row.version:
                raise conflict_with(
                    Conflict(f"the ticket changed (now version {row.version}); reload it"), row
                )
            facts = TicketFacts(
                status=TicketStatus(row.status),
                assignee_id=row.assignee_id,
                customer_id=row.customer_id,
                customer_has_account=(
                    move in CUSTOMER_DECISIONS
                    and await ticket_rows.customer_has_account(session, row.customer_id)
                ),
            )
            try:
                plan = plan_move(move, facts, actor)
            except Conflict as exc:
                raise conflict_with(exc, row) from None
            change = Change(work=work, ticket=row, customer=customer, plan=plan, actor=actor)
            if before is not None:
                await before(change)
            row.status = plan.target.value
            # Every move is a change of the ticket: a new version and one event, even
            # when no column of the row itself changes (a second check-in, a work record).
            row.updated_at = utcnow()
            try:
                await apply(change)
                await after_move(work, row, move, at=change.occurred_at)
                await session.flush()
            except ChangedMeanwhile:
                # The compare-and-swap UPDATE matched no row: someone else changed it first.
                raise conflict_with(
                    Conflict("the ticket changed meanwhile; reload it"), row
                ) from None
            work.touched(encode_id("Ticket", row.id))
            if key:
                await remember(work, actor, key, operation, row)
        return row

    return await idempotent(ctx, actor, key, operation, attempt, pk)


async def flush_version(change: Change) -> None:
    """Bumps the version now, so events and notifications carry the new one."""
    await change.session.flush()
