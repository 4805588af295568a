"""Input types and filters. Checks live in `domain/`; these only carry values."""

from __future__ import annotations

import strawberry

from schema.enums import Role


@strawberry.input
class CreateUserInput:
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
    """Only the fields given change."""

    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    role: Role | None = None
    customer_id: strawberry.ID | None = None
    agent_id: strawberry.ID | None = None


@strawberry.input
class UserFilter:
    role: list[Role] | None = None
    enabled: bool | None = None
    search: str | None = strawberry.field(default=None, description="In username or display name.")
