"""Which records a reader sees: the row rule of every type that shows records.

A schema type names its rule in its `__read__` declaration (schema/rules.py), and the
schema applies it on every path that reaches such a record. A rule first asks whether
the reader sees every row (office staff mostly: then it costs nothing per row); if not,
it decides one row at a time from the row and the request's loaders (batched and
cached: a page costs at most one statement per kind of fact).

Decided by the present: a rule reads the record as it is now (schema/rules.py unwraps
a ticket shown as of an event), never what was true when an event was written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.access import MANAGERS
from domain.roles import OFFICE, STAFF, Actor, Role
from domain.tickets.access import TicketView, can_see, kinds_of, sees_event_type
from domain.tickets.lifecycle import DISPATCHERS, TicketKind
from resolvers.context import Context

if TYPE_CHECKING:
    from domain.policy import Served

Verdict = bool | Awaitable[bool]
Check = Callable[[Context, Any], Verdict]


@dataclass(frozen=True, slots=True)
class Rows:
    """The row rule of a type: who sees every row, which roles see some rows, and the
    check that decides those row by row. Any other reader sees none."""

    summary: str
    sees_all: Callable[[Actor], bool]
    some: frozenset[Role] = frozenset()
    check: Check | None = None

    def __post_init__(self) -> None:
        if bool(self.some) != (self.check is not None):
            raise TypeError("the roles that see some rows come with the check that decides")

    def admits(self, ctx: Context, actor: Actor, row: Any) -> Verdict:
        if self.sees_all(actor):
            return True
        if actor.role not in self.some or self.check is None:
            return False
        return self.check(ctx, row)


OUTSIDE_THE_OFFICE = frozenset({Role.ENGINEER, Role.CUSTOMER, Role.AGENT})


def _roles(roles: frozenset[Role]) -> Callable[[Actor], bool]:
    return lambda actor: actor.role in roles


def _nobody(_actor: Actor) -> bool:
    return False


def _reader(ctx: Context) -> Actor:
    actor = ctx.reader
    assert actor is not None, "rules run only for a known reader (schema.rules)"
    return actor


# -- facts the rules read ------------------------------------------------------------


async def _served(ctx: Context, actor: Actor) -> Served:
    return await ctx.loaders.served.load((actor.user_id, actor.ticket_kinds))


async def _serves_customer(ctx: Context, actor: Actor, customer_pk: int) -> bool:
    return customer_pk in (await _served(ctx, actor)).customers


async def _serves_agent(ctx: Context, actor: Actor, agent_pk: int) -> bool:
    return agent_pk in (await _served(ctx, actor)).agents


async def _customer_of_agent(ctx: Context, agent_pk: int | None, customer_pk: int) -> bool:
    if agent_pk is None:
        return False
    customer = await ctx.loaders.customer.load(customer_pk)
    return customer is not None and customer.agent_id == agent_pk


async def _agent_of_own_customer(ctx: Context, actor: Actor, agent_pk: int) -> bool:
    if actor.customer_id is None:
        return False
    own = await ctx.loaders.customer.load(actor.customer_id)
    return own is not None and own.agent_id == agent_pk


def customer_pk_visible(ctx: Context, customer_pk: int) -> Verdict:
    """Whether the reader sees the customer `customer_pk` (and what belongs to it)."""
    actor = _reader(ctx)
    if actor.role in OFFICE:
        return True
    if actor.role is Role.CUSTOMER:
        return actor.customer_id is not None and customer_pk == actor.customer_id
    if actor.role is Role.AGENT:
        return _customer_of_agent(ctx, actor.agent_id, customer_pk)
    if actor.role is Role.ENGINEER:
        return _serves_customer(ctx, actor, customer_pk)
    return False


def agent_pk_visible(ctx: Context, agent_pk: int) -> Verdict:
    """An agent is seen by the office, by itself, by its customers and by the engineers
    who serve one of its customers."""
    actor = _reader(ctx)
    if actor.role in OFFICE:
        return True
    if actor.role is Role.AGENT:
        return actor.agent_id is not None and agent_pk == actor.agent_id
    if actor.role is Role.CUSTOMER:
        return _agent_of_own_customer(ctx, actor, agent_pk)
    if actor.role is Role.ENGINEER:
        return _serves_agent(ctx, actor, agent_pk)
    return False


# -- the rules ---------------------------------------------------------------------


def _user(ctx: Context, row: Any) -> Verdict:
    actor = _reader(ctx)
    if row.id == actor.user_id or row.role in STAFF:
        return True
    # A portal account (a customer's or an agent's), seen by a portal reader.
    if row.customer_id is not None:
        return customer_pk_visible(ctx, row.customer_id)
    if row.agent_id is not None:
        return agent_pk_visible(ctx, row.agent_id)
    return False


USERS = Rows(
    "staff: every account; customers and agents: their own, staff accounts, and the "
    "portal accounts of the customers and agents they see",
    _roles(STAFF),
    frozenset({Role.CUSTOMER, Role.AGENT}),
    _user,
)

EVERY_ROW = Rows("every reader: every row", lambda _actor: True)

AGENTS = Rows(
    "office: all; an agent: itself; a customer: its agent; an engineer: the agents of "
    "the customers it serves",
    _roles(OFFICE),
    OUTSIDE_THE_OFFICE,
    lambda ctx, row: agent_pk_visible(ctx, row.id),
)

CUSTOMERS = Rows(
    "office: all; a customer: itself; an agent: its customers; an engineer: the "
    "customers of the tickets assigned to it",
    _roles(OFFICE),
    OUTSIDE_THE_OFFICE,
    lambda ctx, row: customer_pk_visible(ctx, row.id),
)

OF_CUSTOMERS = Rows(
    "those of the customers the reader sees",
    _roles(OFFICE),
    OUTSIDE_THE_OFFICE,
    lambda ctx, row: customer_pk_visible(ctx, row.customer_id),
)


def _contact(ctx: Context, row: Any) -> Verdict:
    if row.customer_id is not None:
        return customer_pk_visible(ctx, row.customer_id)
    actor = _reader(ctx)  # an agent's own people: the office and the agent itself
    return actor.role is Role.AGENT and row.agent_id == actor.agent_id


CONTACTS = Rows(
    "a customer's: whoever sees the customer; an agent's: the office and the agent itself",
    _roles(OFFICE),
    OUTSIDE_THE_OFFICE,
    _contact,
)


def _communication(ctx: Context, row: Any) -> Verdict:
    actor = _reader(ctx)
    if actor.role is not Role.AGENT:
        return False
    return _customer_of_agent(ctx, actor.agent_id, row.customer_id)


COMMUNICATIONS = Rows(
    "office: all; an agent: those with its customers",
    _roles(OFFICE),
    frozenset({Role.AGENT}),
    _communication,
)


def _sale(ctx: Context, row: Any) -> Verdict:
    if _reader(ctx).role is Role.ENGINEER:
        return False
    return customer_pk_visible(ctx, row.customer_id)


PART_SALES = Rows(
    "office: all; a customer: its own; an agent: its customers'",
    _roles(OFFICE),
    frozenset({Role.CUSTOMER, Role.AGENT}),
    _sale,
)


def _all_kinds(actor: Actor) -> bool:
    return actor.ticket_kinds is None or len(actor.ticket_kinds) == len(TicketKind)


async def _agent_sees_ticket(
    ctx: Context, actor: Actor, row: Any, kinds: frozenset[TicketKind]
) -> bool:
    customer = await ctx.loaders.customer.load(row.customer_id)
    if customer is None:
        return False
    view = TicketView(TicketKind(row.kind), row.customer_id, customer.agent_id, row.assignee_id)
    return can_see(actor, view, kinds)


def _ticket(ctx: Context, row: Any) -> Verdict:
    actor = _reader(ctx)
    kinds = kinds_of(actor)
    if actor.role is Role.AGENT:
        return _agent_sees_ticket(ctx, actor, row, kinds)
    view = TicketView(TicketKind(row.kind), row.customer_id, None, row.assignee_id)
    return can_see(actor, view, kinds)


TICKETS = Rows(
    "dispatchers: all (of the kinds they handle); an engineer: those assigned to it now; "
    "a customer: its own; an agent: its customers'",
    lambda actor: actor.role in DISPATCHERS and _all_kinds(actor),
    frozenset(Role),
    _ticket,
)


async def _on_visible_ticket(ctx: Context, row: Any) -> bool:
    ticket = await ctx.loaders.ticket.load(row.ticket_id)
    if ticket is None or ticket.deleted_at is not None:
        return False
    verdict = _ticket(ctx, ticket)
    return verdict if isinstance(verdict, bool) else await verdict


ATTACHMENTS = Rows(
    "whoever sees its ticket (the same rule as TICKETS)",
    lambda actor: actor.role in DISPATCHERS and _all_kinds(actor),
    frozenset(Role),
    _on_visible_ticket,
)

TICKET_EVENTS = Rows(
    "staff: every event; customers and agents: all but the staff-only ones (outings)",
    _roles(STAFF),
    frozenset({Role.CUSTOMER, Role.AGENT}),
    lambda ctx, event: sees_event_type(_reader(ctx), event.type),
)

CHANNEL_PREFERENCES = Rows(
    "the admin: all; everyone else: their own",
    _roles(frozenset({Role.ADMIN})),
    frozenset(Role),
    lambda ctx, row: row.user_id == _reader(ctx).user_id,
)

NOTIFICATIONS = Rows(
    "its recipient only",
    _nobody,
    frozenset(Role),
    lambda ctx, note: note.recipient_id == _reader(ctx).user_id,
)


def _own_engineer(ctx: Context, row: Any) -> Verdict:
    actor = _reader(ctx)
    return actor.role is Role.ENGINEER and row.engineer_id == actor.user_id


ENGINEERS = frozenset({Role.ENGINEER})
OUTING_REQUESTS = Rows(
    "office: all; an engineer: its own", _roles(OFFICE), ENGINEERS, _own_engineer
)


async def _expense(ctx: Context, row: Any) -> bool:
    request = await ctx.loaders.outing_request.load(row.outing_request_id)
    return request is not None and bool(_own_engineer(ctx, request))


OUTING_EXPENSES = Rows(
    "office: all; an engineer: those of its own requests", _roles(OFFICE), ENGINEERS, _expense
)

ENGINEER_STOCK = Rows(
    "office: all; an engineer: what it carries", _roles(OFFICE), ENGINEERS, _own_engineer
)

STAFF_ROWS = Rows("staff: all; others: none", _roles(STAFF))
OFFICE_ROWS = Rows("office: all; others: none", _roles(OFFICE))
MANAGER_ROWS = Rows("admin and back office: all; others: none", _roles(MANAGERS.roles))
ADMIN_ROWS = Rows("admin: all; others: none", _roles(frozenset({Role.ADMIN})))


def _addressed(ctx: Context, reminder: Any) -> Verdict:
    actor = _reader(ctx)
    return actor.user_id in (reminder.user_ids or ()) or actor.role.value in (reminder.roles or ())


REMINDERS = Rows(
    "office: all; others: those addressed to them (as a user or by role)",
    _roles(OFFICE),
    OUTSIDE_THE_OFFICE,
    _addressed,
)
