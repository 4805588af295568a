"""What every record shows: its global id, and who made and changed it, when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.ids import encode_id
from schema.relations import relation

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

    created_by: Annotated[User, strawberry.lazy("schema.accounts.types")] | None = relation(
        "user", key="created_by_id"
    )
    updated_by: Annotated[User, strawberry.lazy("schema.accounts.types")] | None = relation(
        "user", key="updated_by_id"
    )
