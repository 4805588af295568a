"""Root fields of directory (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.directory import agents, contacts, customers, regions
from schema.directory.inputs import (
    AgentFilter,
    AgentInput,
    AgentPatch,
    CommunicationInput,
    ContactInput,
    ContactPatch,
    CustomerFilter,
    CustomerInput,
    CustomerPatch,
    RegionInput,
)
from schema.directory.types import Agent, Communication, Contact, Customer, Region
from schema.pagination import Connection


@strawberry.type
class DirectoryQueries:
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


@strawberry.type
class DirectoryMutations:
    @strawberry.mutation
    async def create_region(self, info: Info, input: RegionInput) -> Region:
        return await regions.create_region(info.context, input)

    @strawberry.mutation
    async def rename_region(self, info: Info, id: ID, name: str) -> Region:
        return await regions.rename_region(info.context, id, name)

    @strawberry.mutation
    async def delete_region(self, info: Info, id: ID) -> Region:
        return await regions.set_region_deleted(info.context, id, deleted=True)

    @strawberry.mutation
    async def restore_region(self, info: Info, id: ID) -> Region:
        return await regions.set_region_deleted(info.context, id, deleted=False)

    @strawberry.mutation
    async def create_agent(self, info: Info, input: AgentInput) -> Agent:
        return await agents.create_agent(info.context, input)

    @strawberry.mutation
    async def update_agent(self, info: Info, id: ID, input: AgentPatch) -> Agent:
        return await agents.update_agent(info.context, id, input)

    @strawberry.mutation
    async def delete_agent(self, info: Info, id: ID) -> Agent:
        return await agents.set_agent_deleted(info.context, id, deleted=True)

    @strawberry.mutation
    async def restore_agent(self, info: Info, id: ID) -> Agent:
        return await agents.set_agent_deleted(info.context, id, deleted=False)

    @strawberry.mutation
    async def create_customer(self, info: Info, input: CustomerInput) -> Customer:
        return await customers.create_customer(info.context, input)

    @strawberry.mutation
    async def update_customer(self, info: Info, id: ID, input: CustomerPatch) -> Customer:
        return await customers.update_customer(info.context, id, input)

    @strawberry.mutation(description="Logical deletion: the customer can be restored.")
    async def delete_customer(self, info: Info, id: ID) -> Customer:
        return await customers.set_customer_deleted(info.context, id, deleted=True)

    @strawberry.mutation
    async def restore_customer(self, info: Info, id: ID) -> Customer:
        return await customers.set_customer_deleted(info.context, id, deleted=False)

    @strawberry.mutation(description="A contact at a customer or at an agent (give one id).")
    async def add_contact(
        self,
        info: Info,
        input: ContactInput,
        customer_id: ID | None = None,
        agent_id: ID | None = None,
    ) -> Contact:
        return await contacts.add_contact(info.context, customer_id, agent_id, input)

    @strawberry.mutation
    async def update_contact(self, info: Info, id: ID, input: ContactPatch) -> Contact:
        return await contacts.update_contact(info.context, id, input)

    @strawberry.mutation
    async def remove_contact(self, info: Info, id: ID) -> Contact:
        return await contacts.remove_contact(info.context, id)

    @strawberry.mutation(description="Adds an entry to a customer's communication log.")
    async def log_communication(self, info: Info, input: CommunicationInput) -> Communication:
        return await customers.log_communication(info.context, input)
