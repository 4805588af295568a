"""Root fields of accounts (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.accounts import users
from resolvers.context import Info
from schema.accounts.inputs import CreateUserInput, UpdateUserInput, UserFilter
from schema.accounts.types import LoginResult, User
from schema.pagination import Connection


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The user the token belongs to.")
    async def me(self, info: Info) -> User:
        return await users.me(info.context)

    @strawberry.field
    async def user(self, info: Info, id: ID) -> User:
        return await users.user(info.context, id)

    @strawberry.field(description="Staff accounts and portal users (ADMIN and dispatchers).")
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: UserFilter | None = None,
    ) -> Connection[User]:
        return await users.users(info.context, first, after, filter)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Returns a bearer token. Unknown names and wrong passwords get the same "
        "answer; LOGIN_ATTEMPTS failures in a row make the name wait (ACCOUNT_LOCKED, "
        "retryAfter), too many from one address give RATE_LIMITED."
    )
    async def login(self, info: Info, username: str, password: str) -> LoginResult:
        return await users.login(info.context, username, password)

    @strawberry.mutation
    async def change_password(self, info: Info, old_password: str, new_password: str) -> bool:
        return await users.change_password(info.context, old_password, new_password)

    @strawberry.mutation
    async def create_user(self, info: Info, input: CreateUserInput) -> User:
        return await users.create_user(info.context, input)

    @strawberry.mutation
    async def update_user(self, info: Info, id: ID, input: UpdateUserInput) -> User:
        return await users.update_user(info.context, id, input)

    @strawberry.mutation(description="Sets a new password, unlocks, and revokes the user's tokens.")
    async def reset_password(self, info: Info, id: ID, new_password: str) -> User:
        return await users.reset_password(info.context, id, new_password)

    @strawberry.mutation(description="Disables the account; its tokens stop working at once.")
    async def disable_user(self, info: Info, id: ID) -> User:
        return await users.set_user_enabled(info.context, id, enabled=False)

    @strawberry.mutation
    async def restore_user(self, info: Info, id: ID) -> User:
        return await users.set_user_enabled(info.context, id, enabled=True)

    @strawberry.mutation(description="Lifts at once the wait failed logins put on the account.")
    async def unlock_user(self, info: Info, id: ID) -> User:
        return await users.unlock_user(info.context, id)
