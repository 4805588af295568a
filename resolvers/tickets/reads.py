"""Tickets read: lists in the reader's scope, one by id (the Ticket type's read rule decides who sees it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.errors import NotFound
from domain.policy import Action
from domain.roles import Actor
from domain.tickets.access import TicketView
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import (
    TicketKind,
)
from persistence.models import Customer, Ticket
from persistence.queries import tickets as ticket_rows
from resolvers.ids import decode_id, decode_optional_id
from resolvers.pagination import paginate
from schema.tickets.inputs import TicketFilter

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.pagination import Connection


def view_of(ticket: Ticket, customer: Customer) -> TicketView:
    return TicketView(
        kind=TicketKind(ticket.kind),
        customer_id=ticket.customer_id,
        customer_agent_id=customer.agent_id,
        assignee_id=ticket.assignee_id,
    )


def sla_filter(actor: Actor, states: list[Any] | None) -> list[str]:
    """SLA states are staff's to see, so theirs to filter on."""
    if not states:
        return []
    policy.require(actor, Action.SLA_READ)
    return [s.value for s in states]


async def tickets(
    ctx: Context, first: int | None, after: str | None, filter: TicketFilter | None
) -> Connection[Ticket]:
    actor = await ctx.actor()
    filter = filter or TicketFilter()
    stmt = ticket_rows.tickets_listed(
        actor,
        actor_kinds(actor),
        statuses=[s.value for s in filter.status or ()],
        kind=filter.kind.value if filter.kind is not None else None,
        severity=filter.severity,
        customer_id=decode_optional_id(filter.customer_id, "Customer", field="filter.customerId"),
        assignee_id=decode_optional_id(filter.assignee_id, "User", field="filter.assigneeId"),
        search=validation.search_term(filter.search),
        sla_states=sla_filter(actor, filter.sla_state),
        device_id=decode_optional_id(filter.device_id, "Device", field="filter.deviceId"),
    )
    return await paginate(ctx, stmt, Ticket.id, first=first, after=after, newest_first=True)


async def device_tickets(
    ctx: Context, device_pk: int, first: int | None, after: str | None
) -> Connection[Ticket]:
    """A device's service history as the reader may see it, newest first (the reader:
    who is authenticated, or whom a `login` in this request signed in)."""
    actor = ctx.reader or ctx.authenticated
    stmt = ticket_rows.tickets_listed(actor, actor_kinds(actor), device_id=device_pk)
    return await paginate(ctx, stmt, Ticket.id, first=first, after=after, newest_first=True)


async def ticket(ctx: Context, ticket_id: str) -> Ticket:
    """Whether the reader sees it is the Ticket type's read rule (schema.rules)."""
    await ctx.actor()
    row = await ctx.loaders.ticket.load(decode_id(ticket_id, "Ticket"))
    if row is None:
        raise NotFound("ticket not found")
    return row
