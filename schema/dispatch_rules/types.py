"""Output types of automatic dispatch."""

from __future__ import annotations

import strawberry

from domain.access import ANYONE, TRACKING
from resolvers import visibility
from resolvers.context import Info
from resolvers.ids import encode_id
from schema.accounts.types import User
from schema.directory.types import Region
from schema.dispatch_rules.inputs import DispatchStrategy
from schema.relations import relation
from schema.rules import ReadRule
from schema.tickets.inputs import TicketKind
from schema.tracking import Tracked


async def _regions(info: Info, pks: list[int] | None) -> list[Region]:
    found = await info.context.loaders.region.load_many(pks or [])
    return [r for r in found if r is not None]  # type: ignore[misc]


@strawberry.type(description="What an engineer can do and where, for automatic dispatch.")
class EngineerProfile:
    __read__ = ReadRule(
        rows=visibility.STAFF_ROWS,
        fields={
            ANYONE: (
                "user_id",
                "user",
                "skills",
                "regions",
                "on_duty",
                "max_open_tickets",
            )
        },
    )

    skills: list[str]
    on_duty: bool
    max_open_tickets: int | None

    @strawberry.field
    def user_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("User", self.user_id))  # type: ignore[attr-defined]

    user: User | None = relation("user", key="user_id")

    @strawberry.field
    async def regions(self, info: Info) -> list[Region]:
        return await _regions(info, self.region_ids)  # type: ignore[attr-defined]


@strawberry.type(description="A rule of automatic dispatch: conditions and a strategy.")
class DispatchRule(Tracked):
    __read__ = ReadRule(
        rows=visibility.STAFF_ROWS,
        fields={
            ANYONE: (
                "id",
                "name",
                "priority",
                "strategy",
                "kinds",
                "severities",
                "regions",
                "brands",
                "engineers",
                "active",
                *TRACKING,
            )
        },
    )

    name: str
    priority: int
    strategy: DispatchStrategy
    severities: list[int]
    brands: list[str]
    active: bool

    @strawberry.field
    def kinds(self) -> list[TicketKind]:
        return [TicketKind(k) for k in self.kinds or []]  # type: ignore[attr-defined]

    @strawberry.field
    async def regions(self, info: Info) -> list[Region]:
        return await _regions(info, self.region_ids)  # type: ignore[attr-defined]

    @strawberry.field(description="The pool; empty: every engineer with a profile.")
    async def engineers(self, info: Info) -> list[User]:
        found = await info.context.loaders.user.load_many(self.engineer_ids or [])  # type: ignore[attr-defined]
        return [u for u in found if u is not None]  # type: ignore[misc]
