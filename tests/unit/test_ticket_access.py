"""Who sees which ticket (and ticket event): domain.tickets.access, checked against SPEC.md.

"an engineer sees the tickets assigned to them; a customer sees its own records; an agent
its own customers. Ticket kinds can be restricted per role or per user." Dispatchers'
boards get every ticket; the engineer a ticket is taken from is told so live.
"""

from __future__ import annotations

import pytest

from domain.roles import Actor, Role
from domain.tickets.access import (
    KindRestriction,
    TicketView,
    allowed_kinds,
    can_see,
    sees_event_type,
)
from domain.tickets.lifecycle import TicketKind

ALL_ROLES = ["ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER", "CUSTOMER", "AGENT"]
DISPATCHER_ROLES = ["ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"]
ALL_KINDS = frozenset({TicketKind.REPAIR, TicketKind.MAINTENANCE, TicketKind.INSTALLATION})
REPAIR = frozenset({TicketKind.REPAIR})
MAINTENANCE = frozenset({TicketKind.MAINTENANCE})
INSTALLATION = frozenset({TicketKind.INSTALLATION})

ENGINEER_ID = 7
OTHER_ENGINEER_ID = 8
CUSTOMER_ID = 30
OTHER_CUSTOMER_ID = 31
AGENT_ID = 5
OTHER_AGENT_ID = 6


def make_actor(
    role: str,
    *,
    user_id: int = 1,
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


def view(
    *,
    kind: TicketKind = TicketKind.REPAIR,
    customer_id: int = CUSTOMER_ID,
    customer_agent_id: int | None = AGENT_ID,
    assignee_id: int | None = ENGINEER_ID,
    previous_assignee_id: int | None = None,
) -> TicketView:
    return TicketView(
        kind=kind,
        customer_id=customer_id,
        customer_agent_id=customer_agent_id,
        assignee_id=assignee_id,
        previous_assignee_id=previous_assignee_id,
    )


def owner(role: str) -> Actor:
    """The actor of `role` to whom the standard ticket (`view()`) belongs, if anyone."""
    if role == "ENGINEER":
        return make_actor(role, user_id=ENGINEER_ID)
    if role == "CUSTOMER":
        return make_actor(role, user_id=40, customer_id=CUSTOMER_ID)
    if role == "AGENT":
        return make_actor(role, user_id=50, agent_id=AGENT_ID)
    return make_actor(role, user_id=1)


# ---------------------------------------------------------------------------- allowed_kinds


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_restriction_allows_every_kind(role: str) -> None:
    assert allowed_kinds(owner(role), []) == ALL_KINDS


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_role_restriction_applies_to_that_role(role: str) -> None:
    restrictions = [KindRestriction(kinds=MAINTENANCE, role=Role(role))]
    assert allowed_kinds(owner(role), restrictions) == MAINTENANCE


@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_roles_restriction_does_not_apply(role: str) -> None:
    others = [KindRestriction(kinds=MAINTENANCE, role=Role(r)) for r in ALL_ROLES if r != role]
    assert allowed_kinds(owner(role), others) == ALL_KINDS


def test_a_user_restriction_applies_to_that_user() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    restrictions = [KindRestriction(kinds=INSTALLATION, user_id=ENGINEER_ID)]
    assert allowed_kinds(engineer, restrictions) == INSTALLATION


@pytest.mark.parametrize("user_first", [True, False])
def test_a_user_restriction_wins_over_the_role_one(user_first: bool) -> None:
    # An outsourced partner may see only one kind, whatever its role may see.
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    by_role = KindRestriction(kinds=REPAIR | MAINTENANCE, role=Role.ENGINEER)
    by_user = KindRestriction(kinds=INSTALLATION, user_id=ENGINEER_ID)
    restrictions = [by_user, by_role] if user_first else [by_role, by_user]
    assert allowed_kinds(engineer, restrictions) == INSTALLATION
    # Also when they come as a one-pass iterable (e.g. a generator over query rows).
    assert allowed_kinds(engineer, iter(restrictions)) == INSTALLATION


def test_a_user_restriction_may_widen_the_role_one() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    restrictions = [
        KindRestriction(kinds=REPAIR, role=Role.ENGINEER),
        KindRestriction(kinds=ALL_KINDS, user_id=ENGINEER_ID),
    ]
    assert allowed_kinds(engineer, restrictions) == ALL_KINDS


def test_another_users_restriction_does_not_apply() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    restrictions = [KindRestriction(kinds=INSTALLATION, user_id=OTHER_ENGINEER_ID)]
    assert allowed_kinds(engineer, restrictions) == ALL_KINDS


def test_another_users_restriction_leaves_the_role_one() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    restrictions = [
        KindRestriction(kinds=INSTALLATION, user_id=OTHER_ENGINEER_ID),
        KindRestriction(kinds=MAINTENANCE, role=Role.ENGINEER),
    ]
    assert allowed_kinds(engineer, restrictions) == MAINTENANCE


def test_another_users_restriction_is_not_a_role_restriction() -> None:
    # A restriction set for one user (which names that user's role) binds that user only.
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    restrictions = [
        KindRestriction(kinds=INSTALLATION, role=Role.ENGINEER, user_id=OTHER_ENGINEER_ID)
    ]
    assert allowed_kinds(engineer, restrictions) == ALL_KINDS


def test_user_id_of_a_restriction_is_not_confused_with_other_ids() -> None:
    # A customer whose customer id equals the user id of a restricted user is not restricted.
    customer = make_actor("CUSTOMER", user_id=40, customer_id=ENGINEER_ID, agent_id=ENGINEER_ID)
    restrictions = [KindRestriction(kinds=INSTALLATION, user_id=ENGINEER_ID)]
    assert allowed_kinds(customer, restrictions) == ALL_KINDS


def test_a_restriction_to_no_kind_allows_none() -> None:
    agent = owner("AGENT")
    kinds = allowed_kinds(agent, [KindRestriction(kinds=frozenset(), role=Role.AGENT)])
    assert kinds == frozenset()
    assert not can_see(agent, view(), kinds)


# ---------------------------------------------------------------------------------- can_see


@pytest.mark.parametrize("role", DISPATCHER_ROLES)
def test_dispatchers_see_every_ticket(role: str) -> None:
    dispatcher = make_actor(role, user_id=1)
    for kind in TicketKind:
        for ticket in [
            view(kind=kind),
            view(
                kind=kind, customer_id=OTHER_CUSTOMER_ID, customer_agent_id=None, assignee_id=None
            ),
            view(kind=kind, customer_agent_id=OTHER_AGENT_ID, assignee_id=OTHER_ENGINEER_ID),
            view(kind=kind, assignee_id=OTHER_ENGINEER_ID, previous_assignee_id=ENGINEER_ID),
        ]:
            assert can_see(dispatcher, ticket, ALL_KINDS)


def test_engineer_sees_the_tickets_assigned_to_them() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    assert can_see(engineer, view(assignee_id=ENGINEER_ID), ALL_KINDS)


def test_engineer_receives_the_event_that_takes_the_ticket_away() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    taken = view(assignee_id=OTHER_ENGINEER_ID, previous_assignee_id=ENGINEER_ID)
    assert can_see(engineer, taken, ALL_KINDS)
    # ...and the new engineer sees it too.
    assert can_see(make_actor("ENGINEER", user_id=OTHER_ENGINEER_ID), taken, ALL_KINDS)
    # Taken away and back to NEW (declined, unassigned): the former engineer still hears.
    assert can_see(engineer, view(assignee_id=None, previous_assignee_id=ENGINEER_ID), ALL_KINDS)


def test_engineer_sees_nothing_else() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    assert not can_see(engineer, view(assignee_id=OTHER_ENGINEER_ID), ALL_KINDS)
    assert not can_see(engineer, view(assignee_id=None), ALL_KINDS)
    assert not can_see(
        engineer,
        view(assignee_id=OTHER_ENGINEER_ID, previous_assignee_id=OTHER_ENGINEER_ID + 1),
        ALL_KINDS,
    )


def test_engineer_is_not_let_in_by_customer_or_agent_ids() -> None:
    engineer = make_actor(
        "ENGINEER", user_id=ENGINEER_ID, customer_id=CUSTOMER_ID, agent_id=AGENT_ID
    )
    assert not can_see(engineer, view(assignee_id=OTHER_ENGINEER_ID), ALL_KINDS)
    # Nor by a customer or agent id equal to its user id.
    ticket = view(customer_id=ENGINEER_ID, customer_agent_id=ENGINEER_ID, assignee_id=None)
    assert not can_see(engineer, ticket, ALL_KINDS)


def test_customer_sees_only_its_own_tickets() -> None:
    customer = make_actor("CUSTOMER", user_id=40, customer_id=CUSTOMER_ID)
    assert can_see(customer, view(customer_id=CUSTOMER_ID), ALL_KINDS)
    assert can_see(customer, view(customer_id=CUSTOMER_ID, customer_agent_id=None), ALL_KINDS)
    assert not can_see(customer, view(customer_id=OTHER_CUSTOMER_ID), ALL_KINDS)


def test_customer_is_not_let_in_by_user_or_agent_ids() -> None:
    # Its user id equals the assignee, its stray agent id equals the ticket's agent.
    customer = make_actor(
        "CUSTOMER", user_id=ENGINEER_ID, customer_id=CUSTOMER_ID, agent_id=AGENT_ID
    )
    ticket = view(
        customer_id=OTHER_CUSTOMER_ID,
        customer_agent_id=AGENT_ID,
        assignee_id=ENGINEER_ID,
        previous_assignee_id=ENGINEER_ID,
    )
    assert not can_see(customer, ticket, ALL_KINDS)
    # Nor by a ticket whose agent id equals its customer id.
    assert not can_see(
        customer, view(customer_id=OTHER_CUSTOMER_ID, customer_agent_id=CUSTOMER_ID), ALL_KINDS
    )


def test_customer_without_a_customer_sees_nothing() -> None:
    customer = make_actor("CUSTOMER", user_id=40, customer_id=None, agent_id=AGENT_ID)
    for ticket in [view(), view(customer_agent_id=None), view(assignee_id=40)]:
        assert not can_see(customer, ticket, ALL_KINDS)


def test_agent_sees_the_tickets_of_its_customers() -> None:
    agent = make_actor("AGENT", user_id=50, agent_id=AGENT_ID)
    assert can_see(agent, view(customer_id=CUSTOMER_ID, customer_agent_id=AGENT_ID), ALL_KINDS)
    assert can_see(
        agent, view(customer_id=OTHER_CUSTOMER_ID, customer_agent_id=AGENT_ID), ALL_KINDS
    )


def test_agent_sees_nothing_of_other_customers() -> None:
    agent = make_actor("AGENT", user_id=50, agent_id=AGENT_ID)
    assert not can_see(agent, view(customer_agent_id=OTHER_AGENT_ID), ALL_KINDS)
    # Above all not the customers without an agent.
    assert not can_see(agent, view(customer_agent_id=None), ALL_KINDS)


def test_agent_is_not_let_in_by_user_or_customer_ids() -> None:
    agent = make_actor("AGENT", user_id=ENGINEER_ID, agent_id=AGENT_ID, customer_id=CUSTOMER_ID)
    ticket = view(
        customer_id=CUSTOMER_ID,
        customer_agent_id=OTHER_AGENT_ID,
        assignee_id=ENGINEER_ID,
        previous_assignee_id=ENGINEER_ID,
    )
    assert not can_see(agent, ticket, ALL_KINDS)
    # Nor by a ticket whose customer id equals its agent id.
    assert not can_see(
        agent, view(customer_id=AGENT_ID, customer_agent_id=OTHER_AGENT_ID), ALL_KINDS
    )


def test_agent_without_an_agent_sees_nothing() -> None:
    agent = make_actor("AGENT", user_id=50, agent_id=None, customer_id=CUSTOMER_ID)
    # Not the customers without an agent (None == None), not any other.
    assert not can_see(agent, view(customer_agent_id=None), ALL_KINDS)
    assert not can_see(agent, view(customer_agent_id=AGENT_ID), ALL_KINDS)
    assert not can_see(agent, view(customer_id=CUSTOMER_ID), ALL_KINDS)


# ----------------------------------------------------------------------- kinds narrow all


def _kind_cells() -> list:
    return [
        pytest.param(role, kind, id=f"{role}-{kind.value}")
        for role in ALL_ROLES
        for kind in TicketKind
    ]


@pytest.mark.parametrize(("role", "kind"), _kind_cells())
def test_a_kind_outside_the_allowed_ones_is_invisible_to_everyone(
    role: str, kind: TicketKind
) -> None:
    actor = owner(role)
    ticket = view(kind=kind, previous_assignee_id=ENGINEER_ID)
    # The ticket's owner (of every role) sees it when its kind is allowed...
    assert can_see(actor, ticket, frozenset({kind}))
    assert can_see(actor, ticket, ALL_KINDS)
    # ...and not when it is not, whatever else is allowed.
    assert not can_see(actor, ticket, ALL_KINDS - {kind})
    assert not can_see(actor, ticket, frozenset())


def test_restrictions_and_row_rules_together() -> None:
    engineer = make_actor("ENGINEER", user_id=ENGINEER_ID)
    kinds = allowed_kinds(
        engineer, [KindRestriction(kinds=MAINTENANCE | INSTALLATION, role=Role.ENGINEER)]
    )
    assert can_see(engineer, view(kind=TicketKind.MAINTENANCE), kinds)
    # Its own ticket, of a kind it may not see.
    assert not can_see(engineer, view(kind=TicketKind.REPAIR), kinds)
    # A kind it may see, on somebody else's ticket.
    assert not can_see(
        engineer, view(kind=TicketKind.MAINTENANCE, assignee_id=OTHER_ENGINEER_ID), kinds
    )


# -- events staff keep to themselves --------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "event_type", ["OUTING_REQUESTED", "OUTING_APPROVED", "OUTING_REJECTED", "OUTING_CANCELLED"]
)
def test_outing_events_are_for_staff_only(role: Role, event_type: str) -> None:
    actor = Actor(user_id=1, username="u", role=role, customer_id=1, agent_id=1)
    staff = {Role.ADMIN, Role.BACK_OFFICE, Role.CUSTOMER_SERVICE, Role.ENGINEER}
    assert sees_event_type(actor, event_type) is (role in staff)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("event_type", ["TICKET_CREATED", "PARTS_USED", "TICKET_CLOSED"])
def test_every_role_sees_the_ticket_s_own_events(role: Role, event_type: str) -> None:
    actor = Actor(user_id=1, username="u", role=role, customer_id=1, agent_id=1)
    assert sees_event_type(actor, event_type)
