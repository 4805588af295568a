"""The six roles and who is acting."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "ADMIN"
    BACK_OFFICE = "BACK_OFFICE"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    ENGINEER = "ENGINEER"
    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"


STAFF: frozenset[Role] = frozenset(
    {Role.ADMIN, Role.BACK_OFFICE, Role.CUSTOMER_SERVICE, Role.ENGINEER}
)
OFFICE: frozenset[Role] = frozenset({Role.ADMIN, Role.BACK_OFFICE, Role.CUSTOMER_SERVICE})


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated user on whose behalf a request runs."""

    user_id: int
    username: str
    role: Role
    customer_id: int | None = None
    agent_id: int | None = None
    # The ticket kinds this user may handle (see domain.tickets.access); None: all kinds.
    ticket_kinds: frozenset[str] | None = None
