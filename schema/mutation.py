"""The Mutation root: each field hands over to its resolver in `resolvers/`."""

from __future__ import annotations

import strawberry
from strawberry import ID

from domain.policy import Action
from persistence import models
from resolvers import agents, contacts, customers, devices, regions, users
from resolvers.context import Info
from resolvers.records import set_deleted
from schema.inputs import (
    AgentInput,
    AgentPatch,
    CommunicationInput,
    ContactInput,
    CreateUserInput,
    CustomerInput,
    CustomerPatch,
    DeviceInput,
    DevicePatch,
    RegionInput,
    UpdateUserInput,
)
from schema.types import (
    Agent,
    Communication,
    Contact,
    Customer,
    Device,
    LoginResult,
    Region,
    User,
)


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

    @strawberry.mutation
    async def create_region(self, info: Info, input: RegionInput) -> Region:
        return await regions.create_region(info.context, input)

    @strawberry.mutation
    async def rename_region(self, info: Info, id: ID, name: str) -> Region:
        return await regions.rename_region(info.context, id, name)

    @strawberry.mutation
    async def delete_region(self, info: Info, id: ID) -> Region:
        return await set_deleted(
            info.context, models.Region, id, deleted=True, action=Action.REGION_MANAGE
        )

    @strawberry.mutation
    async def restore_region(self, info: Info, id: ID) -> Region:
        return await set_deleted(
            info.context, models.Region, id, deleted=False, action=Action.REGION_MANAGE
        )

    @strawberry.mutation
    async def create_agent(self, info: Info, input: AgentInput) -> Agent:
        return await agents.create_agent(info.context, input)

    @strawberry.mutation
    async def update_agent(self, info: Info, id: ID, input: AgentPatch) -> Agent:
        return await agents.update_agent(info.context, id, input)

    @strawberry.mutation
    async def delete_agent(self, info: Info, id: ID) -> Agent:
        return await set_deleted(
            info.context, models.Agent, id, deleted=True, action=Action.AGENT_MANAGE
        )

    @strawberry.mutation
    async def restore_agent(self, info: Info, id: ID) -> Agent:
        return await set_deleted(
            info.context, models.Agent, id, deleted=False, action=Action.AGENT_MANAGE
        )

    @strawberry.mutation
    async def create_customer(self, info: Info, input: CustomerInput) -> Customer:
        return await customers.create_customer(info.context, input)

    @strawberry.mutation
    async def update_customer(self, info: Info, id: ID, input: CustomerPatch) -> Customer:
        return await customers.update_customer(info.context, id, input)

    @strawberry.mutation(description="Logical deletion: the customer can be restored.")
    async def delete_customer(self, info: Info, id: ID) -> Customer:
        return await set_deleted(
            info.context, models.Customer, id, deleted=True, action=Action.CUSTOMER_DELETE
        )

    @strawberry.mutation
    async def restore_customer(self, info: Info, id: ID) -> Customer:
        return await set_deleted(
            info.context,
            models.Customer,
            id,
            deleted=False,
            action=Action.CUSTOMER_DELETE,
            before_restore=customers.check_code_free_to_restore,
        )

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
    async def update_contact(self, info: Info, id: ID, input: ContactInput) -> Contact:
        return await contacts.update_contact(info.context, id, input)

    @strawberry.mutation
    async def remove_contact(self, info: Info, id: ID) -> Contact:
        return await contacts.remove_contact(info.context, id)

    @strawberry.mutation(description="Adds an entry to a customer's communication log.")
    async def log_communication(self, info: Info, input: CommunicationInput) -> Communication:
        return await customers.log_communication(info.context, input)

    @strawberry.mutation
    async def register_device(self, info: Info, input: DeviceInput) -> Device:
        return await devices.register_device(info.context, input)

    @strawberry.mutation
    async def update_device(self, info: Info, id: ID, input: DevicePatch) -> Device:
        return await devices.update_device(info.context, id, input)

    @strawberry.mutation
    async def delete_device(self, info: Info, id: ID) -> Device:
        return await set_deleted(
            info.context, models.Device, id, deleted=True, action=Action.DEVICE_DELETE
        )

    @strawberry.mutation
    async def restore_device(self, info: Info, id: ID) -> Device:
        return await set_deleted(
            info.context,
            models.Device,
            id,
            deleted=False,
            action=Action.DEVICE_DELETE,
            before_restore=devices.check_serial_free_to_restore,
        )
