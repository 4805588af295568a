"""Outing requests read: the office reads every request, an engineer its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy
from domain.errors import Forbidden, NotFound
from domain.policy import Action
from domain.roles import Actor, Role
from persistence.models import (
    OutingRequest,
)
from persistence.queries.outings import outing_requests_listed
from resolvers.ids import decode_id
from resolvers.pagination import paginate

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.outings.inputs import OutingRequestFilter
    from schema.pagination import Connection


def may_read(actor: Actor, row: OutingRequest) -> bool:
    """The office reads every request; an engineer their own; no one else any."""
    if not policy.allowed(actor, Action.OUTING_READ):
        return False
    return actor.role is not Role.ENGINEER or row.engineer_id == actor.user_id


async def outing_requests(
    ctx: Context, first: int | None, after: str | None, filter: OutingRequestFilter | None
) -> Connection[OutingRequest]:
    """Newest first; an engineer's own only."""
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_READ)
    status: str | None = None
    ticket_pk: int | None = None
    engineer_pk: int | None = None
    if filter is not None:
        if filter.status is not None:
            status = filter.status.value
        if filter.ticket_id is not None:
            ticket_pk = decode_id(filter.ticket_id, "Ticket", field="filter.ticketId")
        if filter.engineer_id is not None:
            engineer_pk = decode_id(filter.engineer_id, "User", field="filter.engineerId")
            if actor.role is Role.ENGINEER and engineer_pk != actor.user_id:
                raise Forbidden("an engineer reads only their own outing requests")
    stmt = outing_requests_listed(
        own_engineer_id=actor.user_id if actor.role is Role.ENGINEER else None,
        status=status,
        ticket_id=ticket_pk,
        engineer_id=engineer_pk,
    )
    return await paginate(ctx, stmt, OutingRequest.id, first=first, after=after, newest_first=True)


async def outing_request(ctx: Context, id_: str) -> OutingRequest:
    actor = await ctx.actor()
    policy.require(actor, Action.OUTING_READ)
    pk = decode_id(id_, "OutingRequest")
    async with ctx.read() as session:
        row = await session.get(OutingRequest, pk)
    if row is None or row.is_deleted or not may_read(actor, row):
        raise NotFound("outing request not found")
    return row
