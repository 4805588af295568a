"""The ticket state machine of domain.tickets, checked against SPEC.md.

The expected transition table and the table of who may make each move are written out by
hand below, as plain strings, from SPEC.md ("The ticket lifecycle" and the roles table),
so that they do not depend on the module's own constants (RULES, OPEN, DISPATCHERS...).
"""

from __future__ import annotations

import math

import pytest

from domain.errors import BadUserInput, Conflict, Forbidden
from domain.roles import Actor, Role
from domain.tickets import lifecycle as tickets
from domain.tickets.lifecycle import Move, Plan, TicketFacts, TicketKind, TicketSource, TicketStatus

ALL_ROLES = ["ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER", "CUSTOMER", "AGENT"]
STATUSES = [
    "NEW",
    "DISPATCHED",
    "ACCEPTED",
    "IN_PROGRESS",
    "CLOSE_REQUESTED",
    "CUSTOMER_CONFIRMED",
    "CLOSED",
    "CANCELLED",
]
KINDS = ["REPAIR", "MAINTENANCE", "INSTALLATION"]

OPEN_STATES = STATUSES[:6]  # all but CLOSED and CANCELLED
BEFORE_CLOSE = STATUSES[:4]  # NEW .. IN_PROGRESS


def stays(*statuses: str) -> dict[str, str]:
    """A move allowed from `statuses` that leaves the status as it is."""
    return {status: status for status in statuses}


# move -> {source status: target status}; a status not listed does not allow the move.
TRANSITIONS: dict[str, dict[str, str]] = {
    # NEW -dispatch-> DISPATCHED; reassignment (dispatch again) until CLOSE_REQUESTED.
    "DISPATCH": {
        "NEW": "DISPATCHED",
        "DISPATCHED": "DISPATCHED",
        "ACCEPTED": "DISPATCHED",
        "IN_PROGRESS": "DISPATCHED",
    },
    "ACKNOWLEDGE": {"DISPATCHED": "ACCEPTED"},
    # Declined: back to NEW, for a dispatcher to dispatch again.
    "DECLINE": {"DISPATCHED": "NEW"},
    # The first check-in starts the work; later ones (another day on site) keep it going.
    "CHECK_IN": {"ACCEPTED": "IN_PROGRESS", "IN_PROGRESS": "IN_PROGRESS"},
    # Work records are made while the work is in progress; the status does not change.
    "RECORD_WORK": {"IN_PROGRESS": "IN_PROGRESS"},
    "REQUEST_CLOSE": {"IN_PROGRESS": "CLOSE_REQUESTED"},
    "CONFIRM_CLOSE": {"CLOSE_REQUESTED": "CUSTOMER_CONFIRMED"},
    "REJECT_CLOSE": {"CLOSE_REQUESTED": "IN_PROGRESS"},
    "FINALIZE_CLOSE": {"CUSTOMER_CONFIRMED": "CLOSED"},
    # Any open state (not CLOSED, not CANCELLED) may be cancelled.
    "CANCEL": {
        "NEW": "CANCELLED",
        "DISPATCHED": "CANCELLED",
        "ACCEPTED": "CANCELLED",
        "IN_PROGRESS": "CANCELLED",
        "CLOSE_REQUESTED": "CANCELLED",
        "CUSTOMER_CONFIRMED": "CANCELLED",
    },
    # The (remote) diagnosis may be updated in any open state; the status does not change.
    "UPDATE_DIAGNOSIS": stays(*OPEN_STATES),
    # Spare parts go to a ticket (and unused ones come back) until the close is asked;
    # then the customer confirms the charges, so they stay as they are.
    "USE_PARTS": stays(*BEFORE_CLOSE),
    "RETURN_PARTS": stays(*BEFORE_CLOSE),
    # A hold pauses the SLA clock until the close is asked; the status stays.
    "HOLD": stays(*BEFORE_CLOSE),
    # Staff correct an open ticket's fields; the status stays.
    "UPDATE": stays(*OPEN_STATES),
    # Depot repair steps while the ticket is open; the status stays.
    "DEPOT_STEP": stays(*OPEN_STATES),
    # A hold may end in any open state (it may have outlived the work).
    "RESUME": stays(*OPEN_STATES),
    # Files go on a ticket while it lives and once closed (a scanned paper form).
    "ATTACH": stays(*OPEN_STATES, "CLOSED"),
    # The customer signs once the close is asked (field.graphql), or later.
    "SIGN": stays("CLOSE_REQUESTED", "CUSTOMER_CONFIRMED", "CLOSED"),
    # The office's charge lines and estimates come before the close is asked: then
    # the customer confirms the statement.
    "CHARGE": stays(*BEFORE_CLOSE),
    "SEND_ESTIMATE": stays(*BEFORE_CLOSE),
    "ANSWER_ESTIMATE": stays(*BEFORE_CLOSE),
}

DISPATCHER_ROLES = {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"}

# move -> the roles that may ever make it (identity conditions are tested separately).
WHO: dict[str, set[str]] = {
    "DISPATCH": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
    "ACKNOWLEDGE": {"ENGINEER"},
    "DECLINE": {"ENGINEER"},
    "CHECK_IN": {"ENGINEER"},
    "RECORD_WORK": {"ENGINEER"},
    "REQUEST_CLOSE": {"ENGINEER"},
    # The ticket's customer; staff only on behalf of a customer without an account.
    "CONFIRM_CLOSE": {"CUSTOMER", "ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
    "REJECT_CLOSE": {"CUSTOMER", "ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
    # "back office final confirm" (and the admin, who may do everything).
    "FINALIZE_CLOSE": {"ADMIN", "BACK_OFFICE"},
    "CANCEL": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
    "UPDATE_DIAGNOSIS": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
    # The engineer on site records the parts used; the back office (and the admin)
    # enter them from paper.
    "USE_PARTS": {"ADMIN", "BACK_OFFICE", "ENGINEER"},
    "RETURN_PARTS": {"ADMIN", "BACK_OFFICE", "ENGINEER"},
    # "holds are for the assignee and dispatchers" (time.graphql)
    "HOLD": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER"},
    "RESUME": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER"},
    "UPDATE": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
    # BACK_OFFICE and ADMIN; the assigned engineer for the hand-overs with the customer.
    "DEPOT_STEP": {"ADMIN", "BACK_OFFICE", "ENGINEER"},
    # "the ticket's engineer and office staff upload ...; the ticket's customer users
    # may upload" (field.graphql)
    "ATTACH": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER", "CUSTOMER"},
    "SIGN": {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER"},
    # "BACK_OFFICE and ADMIN send estimates"; the customer's users answer (or staff on
    # the behalf of a customer without an account).
    "CHARGE": {"ADMIN", "BACK_OFFICE"},
    "SEND_ESTIMATE": {"ADMIN", "BACK_OFFICE"},
    "ANSWER_ESTIMATE": {"CUSTOMER", "ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"},
}

# Moves only the engineer the ticket is assigned to may make.
ASSIGNEE_ONLY = {
    "ACKNOWLEDGE",
    "DECLINE",
    "CHECK_IN",
    "RECORD_WORK",
    "REQUEST_CLOSE",
    "USE_PARTS",
    "RETURN_PARTS",
    "HOLD",
    "RESUME",
    "DEPOT_STEP",
    "ATTACH",
    "SIGN",
}
# Moves that are the customer's decision, and a status each is decided in.
CUSTOMER_DECISIONS = {"CONFIRM_CLOSE", "REJECT_CLOSE", "ANSWER_ESTIMATE"}
DECIDED_IN = {
    "CONFIRM_CLOSE": "CLOSE_REQUESTED",
    "REJECT_CLOSE": "CLOSE_REQUESTED",
    "ANSWER_ESTIMATE": "IN_PROGRESS",
}

# Cells (move, status) or (move, role) where the module and SPEC.md disagree
# (strict xfail until mended): none now.
DISAGREEMENTS: dict[tuple[str, str], str] = {}

ASSIGNEE = 7
OTHER_ENGINEER = 8
STAFF_USER = 1
CUSTOMER_ID = 30
OTHER_CUSTOMER_ID = 31
AGENT_ID = 5


def make_actor(
    role: str,
    *,
    user_id: int = STAFF_USER,
    customer_id: int | None = None,
    agent_id: int | None = None,
) -> Actor:
    return Actor(
        user_id=user_id,
        username=f"{role.lower()}-{user_id}",
        role=Role(role),
        customer_id=customer_id,
        agent_id=agent_id,
    )


def rightful(role: str) -> Actor:
    """The actor of `role` with the identity that fits the standard ticket below:
    the engineer is its assignee, the customer its customer, the agent its customer's."""
    if role == "ENGINEER":
        return make_actor(role, user_id=ASSIGNEE)
    if role == "CUSTOMER":
        return make_actor(role, user_id=40, customer_id=CUSTOMER_ID)
    if role == "AGENT":
        return make_actor(role, user_id=50, agent_id=AGENT_ID)
    return make_actor(role, user_id=STAFF_USER)


def facts(
    status: str,
    *,
    assignee_id: int | None = ASSIGNEE,
    customer_id: int = CUSTOMER_ID,
    customer_has_account: bool = False,
) -> TicketFacts:
    return TicketFacts(
        status=TicketStatus(status),
        assignee_id=assignee_id,
        customer_id=customer_id,
        customer_has_account=customer_has_account,
    )


def has_account_for(role: str) -> bool:
    # A customer acting itself has an account; staff decide only for one without.
    return role == "CUSTOMER"


def plan(move: str, ticket: TicketFacts, actor: Actor) -> Plan:
    return tickets.plan_move(Move(move), ticket, actor)


def first_source(move: str) -> str:
    return next(iter(TRANSITIONS[move]))


def _marks(*keys: tuple[str, str]) -> list:
    return [
        pytest.mark.xfail(strict=True, reason=DISAGREEMENTS[key])
        for key in keys
        if key in DISAGREEMENTS
    ]


# ------------------------------------------------------------------ the tables are complete


def test_statuses_are_those_of_the_spec() -> None:
    assert [s.value for s in TicketStatus] == STATUSES


def test_kinds_are_those_of_the_spec() -> None:
    assert {k.value for k in TicketKind} == set(KINDS)


def test_sources_are_those_of_the_spec() -> None:
    # "source (phone, customer portal, agent, schedule, project)"
    assert {s.value for s in TicketSource} == {"PHONE", "PORTAL", "AGENT", "SCHEDULE", "PROJECT"}


def test_expected_tables_cover_every_move() -> None:
    # A new move must get its rows here before it can ship.
    assert {m.value for m in Move} == set(TRANSITIONS) == set(WHO)


def test_roles_are_the_six_of_the_spec() -> None:
    assert {r.value for r in Role} == set(ALL_ROLES)


# ------------------------------------------------------- every (move x source status) pair


def _transition_cells() -> list:
    cells = []
    for move in TRANSITIONS:
        for status in STATUSES:
            for role in sorted(WHO[move]):
                cells.append(
                    pytest.param(
                        move,
                        status,
                        role,
                        id=f"{move}-{status}-{role}",
                        marks=_marks((move, status)),
                    )
                )
    return cells


@pytest.mark.parametrize(("move", "status", "role"), _transition_cells())
def test_transition(move: str, status: str, role: str) -> None:
    """Every move from every status, by every role that may make it (with the right
    identity): allowed pairs lead to the expected target, the others are a CONFLICT."""
    ticket = facts(status, customer_has_account=has_account_for(role))
    actor = rightful(role)
    if status in TRANSITIONS[move]:
        result = plan(move, ticket, actor)
        assert result.target == TicketStatus(TRANSITIONS[move][status])
        assert isinstance(result.target, TicketStatus)
        expected_on_behalf = move in CUSTOMER_DECISIONS and role != "CUSTOMER"
        assert result.on_behalf_of_customer is expected_on_behalf
    else:
        with pytest.raises(Conflict) as info:
            plan(move, ticket, actor)
        assert info.value.code == "CONFLICT"
        assert status in info.value.message


def test_dispatch_of_an_unassigned_new_ticket() -> None:
    result = plan("DISPATCH", facts("NEW", assignee_id=None), rightful("CUSTOMER_SERVICE"))
    assert result == Plan(target=TicketStatus.DISPATCHED, on_behalf_of_customer=False)


# ------------------------------------------------------------- every (move x role) pair


def _role_cells() -> list:
    return [
        pytest.param(move, role, id=f"{move}-{role}", marks=_marks((move, role)))
        for move in WHO
        for role in ALL_ROLES
    ]


@pytest.mark.parametrize(("move", "role"), _role_cells())
def test_who_may(move: str, role: str) -> None:
    """On a ticket in a state that allows the move, the roles that may make it get a plan;
    every other role is FORBIDDEN, even with an identity that would otherwise fit."""
    status = first_source(move)
    if role in WHO[move]:
        ticket = facts(status, customer_has_account=has_account_for(role))
        result = plan(move, ticket, rightful(role))
        assert result.target == TicketStatus(TRANSITIONS[move][status])
    else:
        for has_account in (False, True):
            ticket = facts(status, customer_has_account=has_account)
            # The refused role carries every id the ticket could match.
            actor = make_actor(role, user_id=ASSIGNEE, customer_id=CUSTOMER_ID, agent_id=AGENT_ID)
            with pytest.raises(Forbidden) as info:
                plan(move, ticket, actor)
            assert info.value.code == "FORBIDDEN"
            assert role in info.value.message


def _refused_cells() -> list:
    return [
        pytest.param(move, role, status, id=f"{move}-{role}-{status}")
        for move in WHO
        for role in ALL_ROLES
        if role not in WHO[move]
        for status in STATUSES
    ]


@pytest.mark.parametrize(("move", "role", "status"), _refused_cells())
def test_a_refused_role_is_forbidden_whatever_the_status(move: str, role: str, status: str) -> None:
    # FORBIDDEN (the role may never) comes before CONFLICT (not now).
    actor = make_actor(role, user_id=ASSIGNEE, customer_id=CUSTOMER_ID, agent_id=AGENT_ID)
    with pytest.raises(Forbidden) as info:
        plan(move, facts(status), actor)
    assert info.value.code == "FORBIDDEN"
    assert not isinstance(info.value, Conflict)


# ------------------------------------------------------------------- assignee-only moves


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("move", sorted(ASSIGNEE_ONLY))
def test_another_engineer_gets_a_conflict(move: str, status: str) -> None:
    other = make_actor("ENGINEER", user_id=OTHER_ENGINEER)
    with pytest.raises(Conflict) as info:
        plan(move, facts(status), other)
    assert info.value.code == "CONFLICT"
    assert not isinstance(info.value, Forbidden)


@pytest.mark.parametrize("move", sorted(ASSIGNEE_ONLY))
def test_another_engineer_is_refused_even_where_the_assignee_may(move: str) -> None:
    status = first_source(move)
    assert plan(move, facts(status), rightful("ENGINEER")).target == TicketStatus(
        TRANSITIONS[move][status]
    )
    with pytest.raises(Conflict):
        plan(move, facts(status), make_actor("ENGINEER", user_id=OTHER_ENGINEER))


@pytest.mark.parametrize("move", sorted(ASSIGNEE_ONLY))
def test_no_engineer_may_act_on_an_unassigned_ticket(move: str) -> None:
    with pytest.raises(Conflict):
        plan(move, facts(first_source(move), assignee_id=None), rightful("ENGINEER"))


def test_previous_engineer_loses_the_ticket_at_once() -> None:
    # Reassigned while the former engineer's phone still shows it: acknowledging is a
    # conflict for the former engineer and allowed for the new one.
    reassigned = facts("DISPATCHED", assignee_id=OTHER_ENGINEER)
    with pytest.raises(Conflict):
        plan("ACKNOWLEDGE", reassigned, make_actor("ENGINEER", user_id=ASSIGNEE))
    result = plan("ACKNOWLEDGE", reassigned, make_actor("ENGINEER", user_id=OTHER_ENGINEER))
    assert result.target is TicketStatus.ACCEPTED


# ------------------------------------- the customer's decisions (closing, an estimate)


@pytest.mark.parametrize("has_account", [True, False])
@pytest.mark.parametrize("move", sorted(CUSTOMER_DECISIONS))
def test_the_tickets_customer_decides_itself(move: str, has_account: bool) -> None:
    ticket = facts(DECIDED_IN[move], customer_has_account=has_account)
    result = plan(move, ticket, rightful("CUSTOMER"))
    assert result == Plan(target=TicketStatus(TRANSITIONS[move][DECIDED_IN[move]]))
    assert result.on_behalf_of_customer is False


@pytest.mark.parametrize("has_account", [True, False])
@pytest.mark.parametrize("move", sorted(CUSTOMER_DECISIONS))
def test_another_customer_is_forbidden(move: str, has_account: bool) -> None:
    ticket = facts(DECIDED_IN[move], customer_has_account=has_account)
    other = make_actor("CUSTOMER", user_id=41, customer_id=OTHER_CUSTOMER_ID)
    with pytest.raises(Forbidden) as info:
        plan(move, ticket, other)
    assert info.value.code == "FORBIDDEN"


@pytest.mark.parametrize("move", sorted(CUSTOMER_DECISIONS))
def test_a_customer_user_without_a_customer_is_forbidden(move: str) -> None:
    ticket = facts(DECIDED_IN[move], customer_has_account=True)
    with pytest.raises(Forbidden):
        plan(move, ticket, make_actor("CUSTOMER", user_id=42, customer_id=None))


@pytest.mark.parametrize("role", sorted(DISPATCHER_ROLES))
@pytest.mark.parametrize("move", sorted(CUSTOMER_DECISIONS))
def test_staff_decide_on_behalf_of_a_customer_without_an_account(move: str, role: str) -> None:
    ticket = facts(DECIDED_IN[move], customer_has_account=False)
    result = plan(move, ticket, rightful(role))
    assert result == Plan(
        target=TicketStatus(TRANSITIONS[move][DECIDED_IN[move]]), on_behalf_of_customer=True
    )


@pytest.mark.parametrize("role", sorted(DISPATCHER_ROLES))
@pytest.mark.parametrize("move", sorted(CUSTOMER_DECISIONS))
def test_staff_may_not_decide_for_a_customer_with_an_account(move: str, role: str) -> None:
    ticket = facts(DECIDED_IN[move], customer_has_account=True)
    with pytest.raises(Forbidden) as info:
        plan(move, ticket, rightful(role))
    assert info.value.code == "FORBIDDEN"


@pytest.mark.parametrize("move", sorted(set(TRANSITIONS) - CUSTOMER_DECISIONS))
def test_only_customer_decisions_are_made_on_behalf(move: str) -> None:
    role = sorted(WHO[move])[0]
    result = plan(move, facts(first_source(move), customer_has_account=False), rightful(role))
    assert result.on_behalf_of_customer is False


# ------------------------------------------------------------------------- whole journeys


def test_a_ticket_from_new_to_closed() -> None:
    dispatcher = rightful("CUSTOMER_SERVICE")
    engineer = rightful("ENGINEER")
    customer = rightful("CUSTOMER")
    back_office = rightful("BACK_OFFICE")
    steps = [
        ("DISPATCH", dispatcher, "DISPATCHED"),
        ("ACKNOWLEDGE", engineer, "ACCEPTED"),
        ("CHECK_IN", engineer, "IN_PROGRESS"),
        ("RECORD_WORK", engineer, "IN_PROGRESS"),
        ("CHECK_IN", engineer, "IN_PROGRESS"),
        ("REQUEST_CLOSE", engineer, "CLOSE_REQUESTED"),
        ("REJECT_CLOSE", customer, "IN_PROGRESS"),
        ("UPDATE_DIAGNOSIS", dispatcher, "IN_PROGRESS"),
        ("REQUEST_CLOSE", engineer, "CLOSE_REQUESTED"),
        ("CONFIRM_CLOSE", customer, "CUSTOMER_CONFIRMED"),
        ("FINALIZE_CLOSE", back_office, "CLOSED"),
    ]
    status = "NEW"
    for move, actor, expected in steps:
        status = plan(move, facts(status, customer_has_account=True), actor).target.value
        assert status == expected, move


def test_decline_then_dispatch_to_another_engineer() -> None:
    dispatcher = rightful("BACK_OFFICE")
    declined = plan("DECLINE", facts("DISPATCHED"), rightful("ENGINEER"))
    assert declined.target is TicketStatus.NEW
    redispatched = plan("DISPATCH", facts("NEW", assignee_id=None), dispatcher)
    assert redispatched.target is TicketStatus.DISPATCHED
    other = make_actor("ENGINEER", user_id=OTHER_ENGINEER)
    accepted = plan("ACKNOWLEDGE", facts("DISPATCHED", assignee_id=OTHER_ENGINEER), other)
    assert accepted.target is TicketStatus.ACCEPTED


# --------------------------------------------------------------------- check_dispatch_target


def test_dispatching_again_to_the_same_engineer_is_refused() -> None:
    with pytest.raises(BadUserInput) as info:
        tickets.check_dispatch_target(facts("DISPATCHED", assignee_id=ASSIGNEE), ASSIGNEE)
    assert info.value.code == "BAD_USER_INPUT"
    assert info.value.extensions["field"] == "engineerId"


@pytest.mark.parametrize("status", ["DISPATCHED", "ACCEPTED", "IN_PROGRESS"])
def test_reassigning_to_another_engineer_is_fine(status: str) -> None:
    assert tickets.check_dispatch_target(facts(status), OTHER_ENGINEER) is None


def test_dispatching_an_unassigned_ticket_is_fine() -> None:
    assert tickets.check_dispatch_target(facts("NEW", assignee_id=None), ASSIGNEE) is None


# ------------------------------------------------------------------------------ may_create

CREATE: dict[str, set[str]] = {
    "ADMIN": {"REPAIR", "MAINTENANCE", "INSTALLATION"},
    "BACK_OFFICE": {"REPAIR", "MAINTENANCE", "INSTALLATION"},
    "CUSTOMER_SERVICE": {"REPAIR", "MAINTENANCE", "INSTALLATION"},
    # Customers and agents report faults.
    "CUSTOMER": {"REPAIR"},
    "AGENT": {"REPAIR"},
    "ENGINEER": set(),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_may_create(role: str, kind: str) -> None:
    actor = make_actor(role, customer_id=CUSTOMER_ID, agent_id=AGENT_ID)
    if kind in CREATE[role]:
        assert tickets.may_create(actor, TicketKind(kind)) is None
    else:
        with pytest.raises(Forbidden) as info:
            tickets.may_create(actor, TicketKind(kind))
        assert info.value.code == "FORBIDDEN"


# --------------------------------------------------------------------------- default_source


@pytest.mark.parametrize(
    ("role", "source"),
    [
        ("CUSTOMER", "PORTAL"),
        ("AGENT", "AGENT"),
        # Staff enter what came in by phone.
        ("ADMIN", "PHONE"),
        ("BACK_OFFICE", "PHONE"),
        ("CUSTOMER_SERVICE", "PHONE"),
    ],
)
def test_default_source(role: str, source: str) -> None:
    assert tickets.default_source(make_actor(role)) is TicketSource(source)


# ------------------------------------------------------------------- severity, rating, place


@pytest.mark.parametrize("severity", [1, 2, 3, 4])
def test_severity_levels_one_to_four(severity: int) -> None:
    assert tickets.check_severity(severity) == severity


@pytest.mark.parametrize("severity", [0, 5, -1, 10])
def test_other_severities_are_refused(severity: int) -> None:
    with pytest.raises(BadUserInput) as info:
        tickets.check_severity(severity)
    assert info.value.extensions["field"] == "severity"


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_ratings_one_to_five(score: int) -> None:
    assert tickets.check_rating(score, "quality") == score


@pytest.mark.parametrize("score", [0, 6, -1, 100])
def test_other_ratings_are_refused_naming_the_field(score: int) -> None:
    with pytest.raises(BadUserInput) as info:
        tickets.check_rating(score, "communication")
    assert info.value.code == "BAD_USER_INPUT"
    assert info.value.extensions["field"] == "communication"


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(0.0, 0.0), (31.2304, 121.4737), (90.0, 180.0), (-90.0, -180.0), (-33.86, 151.21)],
)
def test_coordinates_on_earth(latitude: float, longitude: float) -> None:
    assert tickets.check_coordinates(latitude, longitude) is None


@pytest.mark.parametrize("latitude", [90.0001, -90.5, 121.47, math.inf, -math.inf, math.nan])
def test_latitude_off_earth(latitude: float) -> None:
    with pytest.raises(BadUserInput) as info:
        tickets.check_coordinates(latitude, 0.0)
    assert info.value.extensions["field"] == "latitude"


@pytest.mark.parametrize("longitude", [180.0001, -181.0, 360.0, math.inf, math.nan])
def test_longitude_off_earth(longitude: float) -> None:
    with pytest.raises(BadUserInput) as info:
        tickets.check_coordinates(0.0, longitude)
    assert info.value.extensions["field"] == "longitude"


# --------------------------------------------------------------------------- ticket_number


@pytest.mark.parametrize(
    ("year", "pk", "number"),
    [
        (2026, 123, "T-2026-000123"),
        (2026, 1, "T-2026-000001"),
        (2025, 999999, "T-2025-999999"),
        # Past six digits the number grows rather than being cut (it must stay unique).
        (2026, 1234567, "T-2026-1234567"),
    ],
)
def test_ticket_number(year: int, pk: int, number: str) -> None:
    assert tickets.ticket_number(year, pk) == number
