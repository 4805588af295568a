"""Inputs of accounts."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from schema.accounts.types import Role


@strawberry.input
class CreateUserInput:
    __writes__ = "User"  # what it writes, field by field (schema.rules)

    username: str
    password: str
    role: Role
    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for role CUSTOMER."
    )
    agent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for role AGENT."
    )


@strawberry.input
class UpdateUserInput:
    """Only the fields given change; an explicit null clears a phone or an e-mail."""

    __writes__ = "User"  # what it writes, field by field (schema.rules)

    display_name: str | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET
    role: Role | None = UNSET
    customer_id: strawberry.ID | None = UNSET
    agent_id: strawberry.ID | None = UNSET


@strawberry.input
class UserFilter:
    role: list[Role] | None = None
    enabled: bool | None = None
    search: str | None = strawberry.field(default=None, description="In username or display name.")
