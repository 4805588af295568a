"""What every record shows: its global id, and who made and changed it, when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.ids import encode_id

if TYPE_CHECKING:
    from schema.accounts.types import User


@strawberry.type
class Tracked:
    """Fields every record has; `id` is the opaque global ID of its GraphQL type."""

    @strawberry.field
    def id(self, info: Info) -> ID:
        return ID(encode_id(info._raw_info.parent_type.name, self.id))

    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @strawberry.field
    async def created_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schema.accounts.types")] | None:
        return await _load_user(info, self.created_by_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def updated_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schema.accounts.types")] | None:
        return await _load_user(info, self.updated_by_id)  # type: ignore[attr-defined]


async def _load_user(info: Info, pk: int | None) -> User | None:
    return None if pk is None else await info.context.loaders.user.load(pk)
