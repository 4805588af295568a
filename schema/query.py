"""The Query root: each field hands over to its resolver in `resolvers/`."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers import users
from resolvers.context import Info
from schema.inputs import UserFilter
from schema.pagination import Connection
from schema.types import User


@strawberry.type
class Query:
    @strawberry.field(description="The user the token belongs to.")
    async def me(self, info: Info) -> User:
        return await users.me(info.context)

    @strawberry.field
    async def user(self, info: Info, id: ID) -> User:
        return await users.user(info.context, id)

    @strawberry.field
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: UserFilter | None = None,
    ) -> Connection[User]:
        return await users.users(info.context, first, after, filter)
