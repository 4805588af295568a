"""The Query root: each field hands over to its resolver in `resolvers/`."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.accounts import users
from resolvers.assets import devices
from resolvers.audit import entries as audit
from resolvers.context import Info
from resolvers.directory import agents, customers, regions
from resolvers.notifications import notices as notifications
from resolvers.tickets import kind_restrictions
from resolvers.tickets import moves as tickets
from schema.inputs import AgentFilter, AuditFilter, CustomerFilter, DeviceFilter, UserFilter
from schema.outings.fields import OutingQueries
from schema.pagination import Connection
from schema.parts.fields import PartQueries
from schema.parts.import_fields import ImportQueries
from schema.purchasing.fields import PurchaseOrderQueries
from schema.sales.fields import SaleQueries
from schema.tickets.inputs import TicketFilter
from schema.tickets.types import KindRestriction, Notification, Ticket
from schema.types import Agent, AuditEntry, Customer, Device, Region, User


@strawberry.type
class Query(
    PartQueries,
    PurchaseOrderQueries,
    OutingQueries,
    SaleQueries,
    ImportQueries,
):
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

    @strawberry.field(description="Regions under `parentId`, or the provinces when it is null.")
    async def regions(self, info: Info, parent_id: ID | None = None) -> list[Region]:
        return await regions.regions(info.context, parent_id)

    @strawberry.field
    async def region(self, info: Info, id: ID) -> Region:
        return await regions.region(info.context, id)

    @strawberry.field
    async def agents(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AgentFilter | None = None,
    ) -> Connection[Agent]:
        return await agents.agents(info.context, first, after, filter)

    @strawberry.field
    async def agent(self, info: Info, id: ID) -> Agent:
        return await agents.agent(info.context, id)

    @strawberry.field(description="The customers this user may see (row-level rules apply).")
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[Customer]:
        return await customers.customers(info.context, first, after, filter)

    @strawberry.field
    async def customer(self, info: Info, id: ID) -> Customer:
        return await customers.customer(info.context, id)

    @strawberry.field(description="The devices this user may see (row-level rules apply).")
    async def devices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: DeviceFilter | None = None,
    ) -> Connection[Device]:
        return await devices.devices(info.context, first, after, filter)

    @strawberry.field
    async def device(self, info: Info, id: ID) -> Device:
        return await devices.device(info.context, id)

    @strawberry.field(description="Every change, newest first (ADMIN only).")
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AuditFilter | None = None,
    ) -> Connection[AuditEntry]:
        return await audit.audit_log(info.context, first, after, filter)

    @strawberry.field(description="Tickets this user may see, newest first.")
    async def tickets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: TicketFilter | None = None,
    ) -> Connection[Ticket]:
        return await tickets.tickets(info.context, first, after, filter)

    @strawberry.field
    async def ticket(self, info: Info, id: ID) -> Ticket:
        return await tickets.ticket(info.context, id)

    @strawberry.field(description="This user's notifications, newest first.")
    async def my_notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unhandled_only: bool = False,
    ) -> Connection[Notification]:
        page = await notifications.my_notifications(info.context, first, after, unhandled_only)
        for edge in page.edges:
            edge.node = Notification.from_row(edge.node)
        return page

    @strawberry.field(description="Ticket kinds roles or users are limited to (ADMIN only).")
    async def ticket_kind_restrictions(self, info: Info) -> list[KindRestriction]:
        rows = await kind_restrictions.kind_restrictions(info.context)
        return [KindRestriction.from_row(row) for row in rows]
