"""Output types. Each resolves from a persistence row (the root value); nested
records load through the request's DataLoaders, never one query per row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import ID

from domain.access import (
    ANYONE,
    OFFICE_AND_AGENTS,
    OFFICE_ONLY,
    OWN_AGENT_OR_OFFICE,
    SELF_OR_OFFICE,
    SELF_OR_STAFF,
    STAFF_AND_AGENTS,
    TRACKING,
)
from resolvers import visibility
from resolvers.context import Info
from resolvers.ids import encode_id
from schema.enums import RegionLevel, Role
from schema.rules import ReadRule

LazyUser = Annotated["User", strawberry.lazy("schema.types")]


@strawberry.type
class Tracked:
    """Fields every record has; `id` is the opaque global ID of its GraphQL type."""

    @strawberry.field
    def id(self, info: Info) -> ID:
        return ID(encode_id(info._raw_info.parent_type.name, self.id))  # type: ignore[attr-defined]

    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @strawberry.field
    async def created_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schema.types")] | None:
        return await _load_user(info, self.created_by_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def updated_by(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schema.types")] | None:
        return await _load_user(info, self.updated_by_id)  # type: ignore[attr-defined]


async def _load_user(info: Info, pk: int | None) -> User | None:
    return None if pk is None else await info.context.loaders.user.load(pk)


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

    @strawberry.field(description="True while wrong passwords have locked the account.")
    def locked(self, info: Info) -> bool | None:
        return self.failed_logins >= info.context.settings.login_attempts  # type: ignore[attr-defined]

    @strawberry.field(description="The customer a CUSTOMER user belongs to.")
    async def customer(self, info: Info) -> Customer | None:
        pk = self.customer_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.customer.load(pk)

    @strawberry.field(description="The agent an AGENT user belongs to.")
    async def agent(self, info: Info) -> Agent | None:
        pk = self.agent_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.agent.load(pk)


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
        return await _load_user(info, self.salesperson_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def contacts(self, info: Info) -> list[Contact]:
        return await info.context.loaders.customer_contacts.load(self.id)  # type: ignore[arg-type]

    @strawberry.field
    async def devices(self, info: Info) -> list[Device]:
        return await info.context.loaders.customer_devices.load(self.id)  # type: ignore[arg-type]

    @strawberry.field(
        description="The log of communications, newest first (office and agents; FORBIDDEN "
        "to others)."
    )
    async def communications(self, info: Info) -> list[Communication]:
        return await info.context.loaders.customer_communications.load(self.id)  # type: ignore[arg-type]


@strawberry.type
class Device(Tracked):
    __read__ = ReadRule(
        rows=visibility.OF_CUSTOMERS,
        fields={
            ANYONE: (
                "id",
                "brand",
                "model",
                "serial_number",
                "bought_from_us",
                "vendor",
                "deal_number",
                "quoted_price",
                "installed_on",
                "warranty_ends_on",
                "maintenance_interval_days",
                "last_maintained_on",
                "customer",
                "under_warranty",
                *TRACKING,
            ),
            OFFICE_ONLY: ("purchase_price",),
        },
    )

    brand: str
    model: str
    serial_number: str
    bought_from_us: bool
    vendor: str | None
    deal_number: str | None
    quoted_price: Decimal | None
    installed_on: date | None
    warranty_ends_on: date | None
    maintenance_interval_days: int | None
    last_maintained_on: date | None

    purchase_price: Decimal | None = strawberry.field(
        description="What we paid for it (进价): the office only, null for others."
    )

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await info.context.loaders.customer.load(self.customer_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Under warranty today (warranty end not yet passed).")
    def under_warranty(self) -> bool:
        from persistence.types import utcnow

        end = self.warranty_ends_on
        return end is not None and end >= utcnow().date()


@strawberry.type
class AuditEntry:
    __read__ = ReadRule(
        rows=visibility.ADMIN_ROWS,
        fields={ANYONE: ("id", "at", "ip", "operation", "record_ids", "actor")},
    )

    @strawberry.field
    def id(self) -> ID:
        return ID(encode_id("AuditEntry", self.id))  # type: ignore[attr-defined]

    at: datetime
    ip: str | None
    operation: str
    record_ids: list[str]

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        return await _load_user(info, self.actor_id)  # type: ignore[attr-defined]


@strawberry.type
class LoginResult:
    # Only ever returned to the user who just signed in (read as that user).
    __read__ = ReadRule(rows=visibility.EVERY_ROW, fields={ANYONE: ("token", "user", "expires_at")})

    token: str
    user: User
    expires_at: datetime
