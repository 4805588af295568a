"""The ticket lifecycle of SPEC.md: states, moves, and who may make each move.

Pure rules on plain data. `plan_move` either returns the status a move leads to or
raises: FORBIDDEN when the actor's role may never make the move, CONFLICT when the
ticket's current state (or assignee) does not allow it now, so that a client that
lost a race learns the current state instead of a permission error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import BadUserInput, Conflict, Forbidden
from domain.roles import Actor, Role


class TicketKind(StrEnum):
    REPAIR = "REPAIR"
    MAINTENANCE = "MAINTENANCE"
    INSTALLATION = "INSTALLATION"


class TicketStatus(StrEnum):
    NEW = "NEW"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSE_REQUESTED = "CLOSE_REQUESTED"
    CUSTOMER_CONFIRMED = "CUSTOMER_CONFIRMED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class TicketSource(StrEnum):
    PHONE = "PHONE"
    PORTAL = "PORTAL"
    AGENT = "AGENT"
    SCHEDULE = "SCHEDULE"
    PROJECT = "PROJECT"


class Move(StrEnum):
    DISPATCH = "DISPATCH"
    ACKNOWLEDGE = "ACKNOWLEDGE"
    DECLINE = "DECLINE"
    CHECK_IN = "CHECK_IN"
    RECORD_WORK = "RECORD_WORK"
    REQUEST_CLOSE = "REQUEST_CLOSE"
    CONFIRM_CLOSE = "CONFIRM_CLOSE"
    REJECT_CLOSE = "REJECT_CLOSE"
    FINALIZE_CLOSE = "FINALIZE_CLOSE"
    CANCEL = "CANCEL"
    UPDATE_DIAGNOSIS = "UPDATE_DIAGNOSIS"
    USE_PARTS = "USE_PARTS"
    RETURN_PARTS = "RETURN_PARTS"
    HOLD = "HOLD"
    UPDATE = "UPDATE"
    DEPOT_STEP = "DEPOT_STEP"
    RESUME = "RESUME"
    ATTACH = "ATTACH"
    SIGN = "SIGN"
    CHARGE = "CHARGE"
    SEND_ESTIMATE = "SEND_ESTIMATE"
    ANSWER_ESTIMATE = "ANSWER_ESTIMATE"


S = TicketStatus
OPEN: frozenset[TicketStatus] = frozenset(set(S) - {S.CLOSED, S.CANCELLED})
BEFORE_CLOSE: frozenset[TicketStatus] = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS})
DISPATCHERS: frozenset[Role] = frozenset({Role.ADMIN, Role.BACK_OFFICE, Role.CUSTOMER_SERVICE})
FINAL_CONFIRMERS: frozenset[Role] = frozenset({Role.ADMIN, Role.BACK_OFFICE})
PARTS_RECORDERS: frozenset[Role] = frozenset({Role.ADMIN, Role.BACK_OFFICE, Role.ENGINEER})


@dataclass(frozen=True, slots=True)
class Rule:
    """From which states a move may be made, where it leads (None: stays), by whom."""

    sources: frozenset[TicketStatus]
    target: TicketStatus | None
    roles: frozenset[Role]
    # An engineer may make the move only on a ticket assigned to them.
    assignee_only: bool = False


RULES: dict[Move, Rule] = {
    # Dispatch from NEW; reassignment is allowed until CLOSE_REQUESTED.
    Move.DISPATCH: Rule(
        frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}), S.DISPATCHED, DISPATCHERS
    ),
    Move.ACKNOWLEDGE: Rule(frozenset({S.DISPATCHED}), S.ACCEPTED, frozenset({Role.ENGINEER}), True),
    Move.DECLINE: Rule(frozenset({S.DISPATCHED}), S.NEW, frozenset({Role.ENGINEER}), True),
    # The first check-in starts the work; later ones (another day on site) are recorded.
    Move.CHECK_IN: Rule(
        frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.IN_PROGRESS, frozenset({Role.ENGINEER}), True
    ),
    Move.RECORD_WORK: Rule(frozenset({S.IN_PROGRESS}), None, frozenset({Role.ENGINEER}), True),
    Move.REQUEST_CLOSE: Rule(
        frozenset({S.IN_PROGRESS}), S.CLOSE_REQUESTED, frozenset({Role.ENGINEER}), True
    ),
    # The customer confirms or rejects; staff may do it on behalf of a customer without
    # an account (see `check_customer_decision`).
    Move.CONFIRM_CLOSE: Rule(
        frozenset({S.CLOSE_REQUESTED}), S.CUSTOMER_CONFIRMED, DISPATCHERS | {Role.CUSTOMER}
    ),
    Move.REJECT_CLOSE: Rule(
        frozenset({S.CLOSE_REQUESTED}), S.IN_PROGRESS, DISPATCHERS | {Role.CUSTOMER}
    ),
    Move.FINALIZE_CLOSE: Rule(frozenset({S.CUSTOMER_CONFIRMED}), S.CLOSED, FINAL_CONFIRMERS),
    Move.CANCEL: Rule(OPEN, S.CANCELLED, DISPATCHERS),
    Move.UPDATE_DIAGNOSIS: Rule(OPEN, None, DISPATCHERS),
    # Parts go to a ticket (and unused ones come back) until the close is asked: the
    # back office may put them out before dispatch, the engineer records them on site.
    # Once the close is asked the customer confirms the charges, so they stay.
    Move.USE_PARTS: Rule(BEFORE_CLOSE, None, PARTS_RECORDERS, True),
    Move.RETURN_PARTS: Rule(BEFORE_CLOSE, None, PARTS_RECORDERS, True),
    # Holds pause the SLA clock and leave the status as it is (the assignee or a
    # dispatcher); a hold can end in any open state.
    Move.HOLD: Rule(BEFORE_CLOSE, None, DISPATCHERS | {Role.ENGINEER}, True),
    Move.RESUME: Rule(OPEN, None, DISPATCHERS | {Role.ENGINEER}, True),
    # Staff correct a ticket's own fields while it is open (severity, description,
    # contact, device); the status stays.
    Move.UPDATE: Rule(OPEN, None, DISPATCHERS),
    # Depot repair hand-overs (domain.tickets.depot decides which step, and which steps
    # the engineer may record); the status stays.
    Move.DEPOT_STEP: Rule(OPEN, None, FINAL_CONFIRMERS | {Role.ENGINEER}, True),
    # Files go on a ticket while it lives and after it closed (a scanned paper form):
    # by the office, its engineer, its customer's users.
    Move.ATTACH: Rule(OPEN | {S.CLOSED}, None, DISPATCHERS | {Role.ENGINEER, Role.CUSTOMER}, True),
    # The customer signs on the engineer's phone once the close is asked (or later).
    Move.SIGN: Rule(
        frozenset({S.CLOSE_REQUESTED, S.CUSTOMER_CONFIRMED, S.CLOSED}),
        None,
        DISPATCHERS | {Role.ENGINEER},
        True,
    ),
    # The office adds (or takes back) its own charge lines until the customer is asked
    # to confirm the statement; estimates go out before the chargeable work and are
    # answered by the customer (staff for a customer without an account).
    Move.CHARGE: Rule(BEFORE_CLOSE, None, FINAL_CONFIRMERS),
    Move.SEND_ESTIMATE: Rule(BEFORE_CLOSE, None, FINAL_CONFIRMERS),
    Move.ANSWER_ESTIMATE: Rule(BEFORE_CLOSE, None, DISPATCHERS | {Role.CUSTOMER}),
}


# Moves that are the customer's to make (staff only for a customer without an account).
CUSTOMER_DECISIONS: frozenset[Move] = frozenset(
    {Move.CONFIRM_CLOSE, Move.REJECT_CLOSE, Move.ANSWER_ESTIMATE}
)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the rules need to know about a ticket."""

    status: TicketStatus
    assignee_id: int | None
    customer_id: int
    customer_has_account: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    target: TicketStatus
    on_behalf_of_customer: bool = False


def plan_move(move: Move, ticket: TicketFacts, actor: Actor) -> Plan:
    rule = RULES[move]
    if actor.role not in rule.roles:
        raise Forbidden(f"role {actor.role} may not {move.value.lower().replace('_', ' ')}")
    if rule.assignee_only and actor.role is Role.ENGINEER and ticket.assignee_id != actor.user_id:
        raise Conflict("this ticket is not (or no longer) assigned to you")
    if ticket.status not in rule.sources:
        raise Conflict(
            f"cannot {move.value.lower().replace('_', ' ')} a ticket that is {ticket.status}"
        )
    on_behalf = False
    if move in CUSTOMER_DECISIONS:
        on_behalf = check_customer_decision(ticket, actor)
    return Plan(target=rule.target or ticket.status, on_behalf_of_customer=on_behalf)


def check_customer_decision(ticket: TicketFacts, actor: Actor) -> bool:
    """The ticket's customer decides (its closing, an estimate); staff only for a
    customer without an account.
    Returns whether the decision is made on the customer's behalf."""
    if actor.role is Role.CUSTOMER:
        if actor.customer_id != ticket.customer_id:
            raise Forbidden("only the ticket's own customer may decide on it")
        return False
    if ticket.customer_has_account:
        raise Forbidden("this customer has an account: the customer confirms or rejects")
    return True


def check_dispatch_target(ticket: TicketFacts, engineer_id: int) -> None:
    if ticket.assignee_id == engineer_id and ticket.status is S.DISPATCHED:
        raise BadUserInput("the ticket is already dispatched to this engineer", field="engineerId")


def may_create(actor: Actor, kind: TicketKind) -> None:
    """Dispatchers open any kind; customers and agents report faults (REPAIR) only."""
    if actor.role in DISPATCHERS:
        return
    if actor.role in (Role.CUSTOMER, Role.AGENT):
        if kind is not TicketKind.REPAIR:
            raise Forbidden("customers and agents report faults: REPAIR tickets only")
        return
    raise Forbidden(f"role {actor.role} may not create tickets")


def default_source(actor: Actor) -> TicketSource:
    if actor.role is Role.CUSTOMER:
        return TicketSource.PORTAL
    if actor.role is Role.AGENT:
        return TicketSource.AGENT
    return TicketSource.PHONE


def check_severity(severity: int) -> int:
    if severity not in (1, 2, 3, 4):
        raise BadUserInput("must be 1, 2, 3 or 4", field="severity")
    return severity


def check_rating(score: int, field: str) -> int:
    if score not in range(1, 6):
        raise BadUserInput("must be between 1 and 5", field=field)
    return score


def check_coordinates(latitude: float, longitude: float) -> None:
    if not -90 <= latitude <= 90:
        raise BadUserInput("must be between -90 and 90", field="latitude")
    if not -180 <= longitude <= 180:
        raise BadUserInput("must be between -180 and 180", field="longitude")


# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)


def check_occurred_at(
    occurred: datetime, now: datetime, dispatched_at: datetime | None, field: str
) -> datetime:
    """When something on site happened, as the phone says (it may have been offline):
    not in the future, not before the ticket was dispatched."""
    if occurred > now + CLOCK_SKEW:
        raise BadUserInput("must not be in the future", field=field)
    if dispatched_at is not None and occurred < dispatched_at:
        raise BadUserInput("must not be before the ticket was dispatched", field=field)
    return occurred


def ticket_number(year: int, pk: int) -> str:
    return f"T-{year}-{pk:06d}"
