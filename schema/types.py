"""Output types. Each resolves from a persistence row (the root value); nested
records load through the request's DataLoaders, never one query per row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import ID

from domain import policy
from domain.parts import sees_cost_prices
from domain.policy import Action
from resolvers.context import Info
from resolvers.ids import encode_id
from schema.enums import RegionLevel, Role

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


def staff_only(info: Info, value: Any) -> Any:
    """`value` for staff; null for customers and agents (field-level permission: what
    we paid, cost and minimum prices). The root field has authenticated already."""
    return value if sees_cost_prices(info.context.authenticated) else None


async def _load_user(info: Info, pk: int | None) -> User | None:
    return None if pk is None else await info.context.loaders.user.load(pk)


@strawberry.type
class User(Tracked):
    username: str
    display_name: str
    role: Role
    phone: str | None
    email: str | None
    enabled: bool
    last_login_at: datetime | None

    @strawberry.field(description="True while wrong passwords have locked the account.")
    def locked(self, info: Info) -> bool:
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
    name: str
    department: str | None
    phone: str | None
    email: str | None


@strawberry.type
class Agent(Tracked):
    name: str
    level: str | None
    phone: str | None
    email: str | None
    address: str | None

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        pk = self.region_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.region.load(pk)

    @strawberry.field
    async def contacts(self, info: Info) -> list[Contact]:
        return await info.context.loaders.agent_contacts.load(self.id)  # type: ignore[arg-type]


@strawberry.type
class Communication(Tracked):
    occurred_at: datetime
    channel: str | None
    summary: str


@strawberry.type
class Customer(Tracked):
    code: str
    name: str
    category: str | None
    address: str | None
    phone: str | None
    notes: str | None

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

    @strawberry.field(description="The log of communications, newest first (staff and agents).")
    async def communications(self, info: Info) -> list[Communication]:
        policy.require(await info.context.actor(), Action.COMMUNICATION_READ)
        return await info.context.loaders.customer_communications.load(self.id)  # type: ignore[arg-type]


@strawberry.type
class Device(Tracked):
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

    @strawberry.field(description="What we paid for it (进价): staff only, null for others.")
    def purchase_price(self, info: Info) -> Decimal | None:
        return staff_only(info, self.purchase_price)  # type: ignore[attr-defined]

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
    token: str
    user: User
    expires_at: datetime
