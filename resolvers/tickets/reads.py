"""Tickets read: lists in the reader's scope, one by id (the Ticket type's read rule decides who sees it)."""

from __future__ import annotations

from sqlalchemy import select

from domain.errors import NotFound
from domain.tickets.access import TicketView
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import (
    TicketKind,
)
from persistence.models import Customer, Ticket
from persistence.queries import tickets as ticket_rows
from persistence.queries.common import search_clause
from resolvers.ids import decode_id
from resolvers.pagination import paginate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schema.tickets.inputs import TicketFilter
    from schema.pagination import Connection
    from resolvers.context import Context


def view_of(ticket: Ticket, customer: Customer) -> TicketView:
    return TicketView(
        kind=TicketKind(ticket.kind),
        customer_id=ticket.customer_id,
        customer_agent_id=customer.agent_id,
        assignee_id=ticket.assignee_id,
    )


async def tickets(
    ctx: Context, first: int | None, after: str | None, filter: TicketFilter | None
) -> Connection[Ticket]:
    actor = await ctx.actor()
    async with ctx.read() as session:
        stmt = ticket_rows.tickets_in_scope(select(Ticket), actor, actor_kinds(actor))
        if filter is not None:
            if filter.status:
                stmt = stmt.where(Ticket.status.in_([s.value for s in filter.status]))
            if filter.kind is not None:
                stmt = stmt.where(Ticket.kind == filter.kind.value)
            if filter.severity is not None:
                stmt = stmt.where(Ticket.severity == filter.severity)
            if filter.customer_id is not None:
                customer_pk = decode_id(filter.customer_id, "Customer", field="filter.customerId")
                stmt = stmt.where(Ticket.customer_id == customer_pk)
            if filter.assignee_id is not None:
                user_pk = decode_id(filter.assignee_id, "User", field="filter.assigneeId")
                stmt = stmt.where(Ticket.assignee_id == user_pk)
            clause = search_clause(
                filter.search, Ticket.number, Ticket.description, Ticket.contact_name
            )
            if clause is not None:
                stmt = stmt.where(clause)
        return await paginate(
            session,
            stmt,
            Ticket.id,
            first=first,
            after=after,
            settings=ctx.settings,
            newest_first=True,
        )


async def ticket(ctx: Context, ticket_id: str) -> Ticket:
    """Whether the reader sees it is the Ticket type's read rule (schema.rules)."""
    await ctx.actor()
    row = await ctx.loaders.ticket.load(decode_id(ticket_id, "Ticket"))
    if row is None:
        raise NotFound("ticket not found")
    return row
