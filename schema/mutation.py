"""The Mutation root: each field hands over to its resolver in `resolvers/`."""

from __future__ import annotations

import strawberry
from strawberry import ID

from domain.policy import Action
from domain.roles import Role as DomainRole
from domain.tickets.lifecycle import TicketKind as DomainKind
from persistence import models
from resolvers.accounts import users
from resolvers.assets import devices
from resolvers.context import Info
from resolvers.directory import agents, contacts, customers, regions
from resolvers.records import set_deleted
from resolvers.tickets import kind_restrictions
from resolvers.tickets import moves as tickets
from schema.enums import Role
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
from schema.outings.fields import OutingMutations
from schema.parts.fields import PartMutations
from schema.parts.import_fields import ImportMutations
from schema.purchasing.fields import PurchaseOrderMutations
from schema.sales.fields import SaleMutations
from schema.tickets.inputs import CreateTicketInput, RatingInput, TicketKind, WorkRecordInput
from schema.tickets.types import KindRestriction, Ticket
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
class Mutation(
    PartMutations,
    PurchaseOrderMutations,
    OutingMutations,
    SaleMutations,
    ImportMutations,
):
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

    @strawberry.mutation(description="Opens a ticket (customers and agents: REPAIR only).")
    async def create_ticket(self, info: Info, input: CreateTicketInput) -> Ticket:
        return await tickets.create_ticket(info.context, input)

    @strawberry.mutation(description="Dispatches (or reassigns) a ticket to an engineer.")
    async def dispatch_ticket(
        self,
        info: Info,
        id: ID,
        engineer_id: ID,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        return await tickets.dispatch_ticket(info.context, id, engineer_id, note, expected_version)

    @strawberry.mutation
    async def acknowledge_ticket(
        self,
        info: Info,
        id: ID,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.acknowledge_ticket(info.context, id, expected_version, idempotency_key)

    @strawberry.mutation
    async def decline_ticket(
        self,
        info: Info,
        id: ID,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.decline_ticket(
            info.context, id, reason, expected_version, idempotency_key
        )

    @strawberry.mutation(description="On site: the first check-in starts the work.")
    async def check_in(
        self,
        info: Info,
        ticket_id: ID,
        latitude: float,
        longitude: float,
        note: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.check_in(
            info.context, ticket_id, latitude, longitude, note, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def add_work_record(
        self,
        info: Info,
        ticket_id: ID,
        input: WorkRecordInput,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.add_work_record(
            info.context, ticket_id, input, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def request_close(
        self,
        info: Info,
        id: ID,
        summary: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.request_close(
            info.context, id, summary, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def confirm_close(
        self,
        info: Info,
        id: ID,
        rating: RatingInput,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.confirm_close(
            info.context, id, rating, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def reject_close(
        self,
        info: Info,
        id: ID,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await tickets.reject_close(
            info.context, id, reason, expected_version, idempotency_key
        )

    @strawberry.mutation(description="The back office's final confirmation.")
    async def finalize_close(
        self, info: Info, id: ID, expected_version: int | None = None
    ) -> Ticket:
        return await tickets.finalize_close(info.context, id, expected_version)

    @strawberry.mutation
    async def cancel_ticket(
        self, info: Info, id: ID, reason: str, expected_version: int | None = None
    ) -> Ticket:
        return await tickets.cancel_ticket(info.context, id, reason, expected_version)

    @strawberry.mutation
    async def set_remote_diagnosis(
        self, info: Info, id: ID, diagnosis: str, expected_version: int | None = None
    ) -> Ticket:
        return await tickets.set_remote_diagnosis(info.context, id, diagnosis, expected_version)

    @strawberry.mutation(description="Limits a role or a user to ticket kinds; null lifts it.")
    async def set_ticket_kind_restriction(
        self,
        info: Info,
        kinds: list[TicketKind] | None,
        role: Role | None = None,
        user_id: ID | None = None,
    ) -> KindRestriction | None:
        row = await kind_restrictions.set_kind_restriction(
            info.context,
            DomainRole(role.value) if role else None,
            user_id,
            [DomainKind(k.value) for k in kinds] if kinds is not None else None,
        )
        return None if row is None else KindRestriction.from_row(row)
