"""Who sees which ticket and which ticket event: the row rules, per ticket and per event.

Dispatchers (and managers) see every ticket; an engineer the tickets assigned to them;
a customer its own; an agent its customers'. Kind restrictions narrow any of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.events import STAFF_ONLY_EVENTS
from domain.roles import STAFF, Actor, Role
from domain.tickets.lifecycle import DISPATCHERS, TicketKind


@dataclass(frozen=True, slots=True)
class KindRestriction:
    """A setting admins manage: for a role, or for one user (which wins)."""

    kinds: frozenset[TicketKind]
    role: Role | None = None
    user_id: int | None = None


def kinds_of(actor: Actor) -> frozenset[TicketKind]:
    """The kinds an actor handles, as read with the account (see resolvers.context)."""
    if actor.ticket_kinds is None:
        return frozenset(TicketKind)
    return frozenset(TicketKind(kind) for kind in actor.ticket_kinds)


def allowed_kinds(actor: Actor, restrictions: Iterable[KindRestriction]) -> frozenset[TicketKind]:
    by_role = None
    for restriction in restrictions:
        if restriction.user_id == actor.user_id:
            return restriction.kinds
        if restriction.user_id is None and restriction.role is actor.role:
            by_role = restriction.kinds
    return by_role if by_role is not None else frozenset(TicketKind)


@dataclass(frozen=True, slots=True)
class TicketView:
    """The facts of a ticket (or of a ticket event) that decide who may see it."""

    kind: TicketKind
    customer_id: int
    customer_agent_id: int | None
    assignee_id: int | None
    # Set on the event that takes a ticket away: its former engineer still receives it.
    previous_assignee_id: int | None = None


def can_see(actor: Actor, ticket: TicketView, kinds: frozenset[TicketKind]) -> bool:
    if ticket.kind not in kinds:
        return False
    if actor.role in DISPATCHERS:
        return True
    if actor.role is Role.ENGINEER:
        return actor.user_id in (ticket.assignee_id, ticket.previous_assignee_id)
    if actor.role is Role.CUSTOMER:
        return actor.customer_id is not None and ticket.customer_id == actor.customer_id
    if actor.role is Role.AGENT:
        return actor.agent_id is not None and ticket.customer_agent_id == actor.agent_id
    return False


def sees_event_type(actor: Actor, event_type: str) -> bool:
    return actor.role in STAFF or event_type not in STAFF_ONLY_EVENTS  # domain.events
