"""Who may read what: the audiences a schema type names for each of its fields.

Every GraphQL type that shows a record declares, next to its fields, which rows a reader
may see (its row rule, in resolvers/visibility.py) and which audience may read each field
(these). The schema applies both on every path to the record (schema/rules.py): root,
nested, list, history, notification, live event and mutation result alike. A reader
outside a field's audience gets null for it, or FORBIDDEN where the audience says so.

Plain data and predicates: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from domain.roles import OFFICE, STAFF, Actor, Role

# The row is whichever record the schema type shows: any record, hence Any.
Relation = Callable[[Actor, Any], bool]


class Identified(Protocol):
    """A record with an integer id (a user, an agent)."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Audience:
    """Who reads a field: some roles, and (for some fields) whoever stands in a relation
    to the record, e.g. the user the account belongs to."""

    name: str
    roles: frozenset[Role]
    relation: Relation | None = None
    # Outside the audience: FORBIDDEN instead of null (for lists a client must not
    # mistake for empty, such as a part's movements).
    refuse: bool = False

    def admits_role(self, actor: Actor) -> bool:
        return actor.role in self.roles

    def admits(self, actor: Actor, row: Any) -> bool:
        if actor.role in self.roles:
            return True
        return self.relation is not None and self.relation(actor, row)

    def or_refuse(self) -> Audience:
        return replace(self, refuse=True)


def is_self(actor: Actor, user: Identified) -> bool:
    """The reader's own account."""
    return bool(user.id == actor.user_id)


def is_own_agent(actor: Actor, agent: Identified) -> bool:
    """An AGENT user reading its own agent record."""
    return actor.role is Role.AGENT and actor.agent_id is not None and agent.id == actor.agent_id


ALL_ROLES = frozenset(Role)

ANYONE = Audience("anyone who sees the record", ALL_ROLES)
STAFF_ONLY = Audience("staff", STAFF)
OFFICE_ONLY = Audience("office", OFFICE)
OFFICE_AND_AGENTS = Audience("office, agents", OFFICE | {Role.AGENT})
STAFF_AND_AGENTS = Audience("staff, agents", STAFF | {Role.AGENT})
MANAGERS = Audience("admin, back office", frozenset({Role.ADMIN, Role.BACK_OFFICE}))
SELF_OR_STAFF = Audience("the user, staff", STAFF, is_self)
SELF_OR_OFFICE = Audience("the user, office", OFFICE, is_self)
OWN_AGENT_OR_OFFICE = Audience("the agent itself, office", OFFICE, is_own_agent)

# What every record keeps of who made and changed it, and when.
TRACKING = ("created_at", "updated_at", "deleted_at", "created_by", "updated_by")
