"""The Mutation root: each field hands over to its resolver in `resolvers/`."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers import users
from resolvers.context import Info
from schema.inputs import CreateUserInput, UpdateUserInput
from schema.types import LoginResult, User


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Returns a bearer token; five wrong passwords lock the account."
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

    @strawberry.mutation
    async def unlock_user(self, info: Info, id: ID) -> User:
        return await users.unlock_user(info.context, id)
