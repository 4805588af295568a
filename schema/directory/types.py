"""The directory: regions, agents (resellers), customers, their contacts and the log of communications with them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.access import (
    ANYONE,
    OFFICE_AND_AGENTS,
    OWN_AGENT_OR_OFFICE,
    STAFF_AND_AGENTS,
    TRACKING,
)
from resolvers import visibility
from resolvers.context import Info
from schema.accounts.types import User
from schema.rules import ReadRule
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.assets.types import Device


@strawberry.enum
class RegionLevel(StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"


LazyDevice = Annotated["Device", strawberry.lazy("schema.assets.types")]


@strawberry.type
class Region(Tracked):
    __read__ = ReadRule(
        rows=visibility.EVERY_ROW,
        fields={ANYONE: ("id", "name", "level", "parent", "children", *TRACKING)},
    )

    name: str
    level: RegionLevel

    @strawberry.field
    async def parent(self, info: Info) -> Region | None:
        pk = self.parent_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.region.load(pk)

    @strawberry.field
    async def children(self, info: Info) -> list[Region]:
        return await info.context.loaders.region_children.load(self.id)  # type: ignore[arg-type]


@strawberry.type
class Contact(Tracked):
    __read__ = ReadRule(
        rows=visibility.CONTACTS,
        fields={ANYONE: ("id", "name", "department", "phone", "email", *TRACKING)},
    )

    name: str
    department: str | None
    phone: str | None
    email: str | None


@strawberry.type(
    description="A reseller. Its customers and the engineers serving them see how to "
    "reach it (name, phone, email), never its own people."
)
class Agent(Tracked):
    __read__ = ReadRule(
        rows=visibility.AGENTS,
        fields={
            ANYONE: ("id", "name", "phone", "email", *TRACKING),
            OWN_AGENT_OR_OFFICE: ("level", "address", "region", "contacts"),
        },
    )

    name: str
    level: str | None
    phone: str | None
    email: str | None
    address: str | None

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        pk = self.region_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.region.load(pk)

    @strawberry.field(description="The agent's own people (the office and the agent only).")
    async def contacts(self, info: Info) -> list[Contact] | None:
        return await info.context.loaders.agent_contacts.load(self.id)  # type: ignore[arg-type]


@strawberry.type
class Communication(Tracked):
    __read__ = ReadRule(
        rows=visibility.COMMUNICATIONS,
        fields={ANYONE: ("id", "occurred_at", "channel", "summary", *TRACKING)},
    )

    occurred_at: datetime
    channel: str | None
    summary: str


@strawberry.type
class Customer(Tracked):
    __read__ = ReadRule(
        rows=visibility.CUSTOMERS,
        fields={
            ANYONE: (
                "id",
                "code",
                "name",
                "address",
                "phone",
                "region",
                "agent",
                "salesperson",
                "contacts",
                "devices",
                *TRACKING,
            ),
            STAFF_AND_AGENTS: ("category", "notes"),
            OFFICE_AND_AGENTS.or_refuse(): ("communications",),
        },
    )

    code: str
    name: str
    category: str | None = strawberry.field(description="Internal: not shown to the customer.")
    address: str | None
    phone: str | None
    notes: str | None = strawberry.field(description="Internal: not shown to the customer.")

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        pk = self.region_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.region.load(pk)

    @strawberry.field
    async def agent(self, info: Info) -> Agent | None:
        pk = self.agent_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.agent.load(pk)

    @strawberry.field
    async def salesperson(self, info: Info) -> User | None:
        pk = self.salesperson_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.user.load(pk)

    @strawberry.field
    async def contacts(self, info: Info) -> list[Contact]:
        return await info.context.loaders.customer_contacts.load(self.id)  # type: ignore[arg-type]

    @strawberry.field
    async def devices(self, info: Info) -> list[LazyDevice]:
        return await info.context.loaders.customer_devices.load(self.id)  # type: ignore[arg-type]

    @strawberry.field(
        description="The log of communications, newest first (office and agents; FORBIDDEN "
        "to others)."
    )
    async def communications(self, info: Info) -> list[Communication]:
        return await info.context.loaders.customer_communications.load(self.id)  # type: ignore[arg-type]
