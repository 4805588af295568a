"""Accounts: users and what a login returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.access import (
    ANYONE,
    SELF_OR_OFFICE,
    SELF_OR_STAFF,
    TRACKING,
)
from domain.roles import Role as DomainRole
from resolvers import visibility
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.directory.types import Agent, Customer

Role = strawberry.enum(DomainRole, name="Role")

LazyCustomer = Annotated["Customer", strawberry.lazy("schema.directory.types")]
LazyAgent = Annotated["Agent", strawberry.lazy("schema.directory.types")]


@strawberry.type(
    description="An account. Customers and agents see a staff account as its id and "
    "display name only; the account's own user sees all of it."
)
class User(Tracked):
    __read__ = ReadRule(
        rows=visibility.USERS,
        fields={
            ANYONE: ("id", "display_name", *TRACKING),
            SELF_OR_STAFF: ("username", "role", "phone", "email"),
            SELF_OR_OFFICE: ("enabled", "last_login_at", "locked", "customer", "agent"),
        },
    )

    username: str | None
    display_name: str
    role: Role | None
    phone: str | None
    email: str | None
    enabled: bool | None
    last_login_at: datetime | None

    @strawberry.field(
        description="True while failed logins make the account wait (LOCKOUT_MINUTES, "
        "longer on repeats); unlockUser lifts it at once."
    )
    def locked(self) -> bool | None:
        until: datetime | None = self.locked_until  # type: ignore[attr-defined]
        return until is not None and until > datetime.now(UTC)

    customer: LazyCustomer | None = relation(
        "customer", key="customer_id", description="The customer a CUSTOMER user belongs to."
    )

    agent: LazyAgent | None = relation(
        "agent", key="agent_id", description="The agent an AGENT user belongs to."
    )


@strawberry.type
class LoginResult:
    # Only ever returned to the user who just signed in (read as that user).
    __read__ = ReadRule(rows=visibility.EVERY_ROW, fields={ANYONE: ("token", "user", "expires_at")})

    token: str
    user: User
    expires_at: datetime
