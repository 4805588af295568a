"""Input types and filters. Checks live in `domain/`; these only carry values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.enums import RegionLevel, Role


@strawberry.input
class CreateUserInput:
    __writes__ = "User"  # what it writes, field by field (schema.rules)

    username: str
    password: str
    role: Role
    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for role CUSTOMER."
    )
    agent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for role AGENT."
    )


@strawberry.input
class UpdateUserInput:
    """Only the fields given change."""

    __writes__ = "User"  # what it writes, field by field (schema.rules)

    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    role: Role | None = None
    customer_id: strawberry.ID | None = None
    agent_id: strawberry.ID | None = None


@strawberry.input
class UserFilter:
    role: list[Role] | None = None
    enabled: bool | None = None
    search: str | None = strawberry.field(default=None, description="In username or display name.")


@strawberry.input
class RegionInput:
    name: str
    level: RegionLevel
    parent_id: strawberry.ID | None = None


@strawberry.input
class ContactInput:
    __writes__ = "Contact"  # what it writes, field by field (schema.rules)

    name: str
    department: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input
class AgentInput:
    __writes__ = "Agent"  # what it writes, field by field (schema.rules)

    name: str
    level: str | None = None
    region_id: strawberry.ID | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    contacts: list[ContactInput] | None = None


@strawberry.input(description="Only the fields given change; an explicit null clears a field.")
class AgentPatch:
    __writes__ = "Agent"  # what it writes, field by field (schema.rules)

    name: str | None = UNSET
    level: str | None = UNSET
    region_id: strawberry.ID | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET
    address: str | None = UNSET


@strawberry.input
class AgentFilter:
    search: str | None = None
    region_id: strawberry.ID | None = None
    include_deleted: bool = False


@strawberry.input
class CustomerInput:
    __writes__ = "Customer"  # what it writes, field by field (schema.rules)

    code: str
    name: str
    category: str | None = strawberry.field(
        default=None, description="A dictionary value: PROSPECT, NOT_WON, WON, KEY_ACCOUNT..."
    )
    address: str | None = None
    phone: str | None = None
    agent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The owning agent; an AGENT user's customers are always its own."
    )
    region_id: strawberry.ID | None = None
    salesperson_id: strawberry.ID | None = None
    notes: str | None = None
    contacts: list[ContactInput] | None = None


@strawberry.input(description="Only the fields given change; an explicit null clears a field.")
class CustomerPatch:
    __writes__ = "Customer"  # what it writes, field by field (schema.rules)

    code: str | None = UNSET
    name: str | None = UNSET
    category: str | None = UNSET
    address: str | None = UNSET
    phone: str | None = UNSET
    agent_id: strawberry.ID | None = UNSET
    region_id: strawberry.ID | None = UNSET
    salesperson_id: strawberry.ID | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class CustomerFilter:
    search: str | None = strawberry.field(default=None, description="In code or name.")
    category: str | None = None
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="The region or any region below it."
    )
    agent_id: strawberry.ID | None = None
    include_deleted: bool = False


@strawberry.input
class CommunicationInput:
    customer_id: strawberry.ID
    summary: str
    channel: str | None = strawberry.field(default=None, description="PHONE, VISIT, EMAIL...")
    occurred_at: datetime | None = strawberry.field(default=None, description="Defaults to now.")


@strawberry.input
class DeviceInput:
    __writes__ = "Device"  # what it writes, field by field (schema.rules)

    customer_id: strawberry.ID
    brand: str
    model: str
    serial_number: str
    bought_from_us: bool = True
    vendor: str | None = strawberry.field(default=None, description="When bought elsewhere.")
    deal_number: str | None = None
    purchase_price: Decimal | None = None
    quoted_price: Decimal | None = None
    installed_on: date | None = None
    warranty_ends_on: date | None = None
    maintenance_interval_days: int | None = None
    last_maintained_on: date | None = None


@strawberry.input(description="Only the fields given change; an explicit null clears a field.")
class DevicePatch:
    __writes__ = "Device"  # what it writes, field by field (schema.rules)

    customer_id: strawberry.ID | None = UNSET
    brand: str | None = UNSET
    model: str | None = UNSET
    serial_number: str | None = UNSET
    bought_from_us: bool | None = UNSET
    vendor: str | None = UNSET
    deal_number: str | None = UNSET
    purchase_price: Decimal | None = UNSET
    quoted_price: Decimal | None = UNSET
    installed_on: date | None = UNSET
    warranty_ends_on: date | None = UNSET
    maintenance_interval_days: int | None = UNSET
    last_maintained_on: date | None = UNSET


@strawberry.input
class DeviceFilter:
    search: str | None = strawberry.field(
        default=None, description="In serial number, model, brand."
    )
    customer_id: strawberry.ID | None = None
    brand: str | None = None
    bought_from_us: bool | None = None
    under_warranty: bool | None = None
    include_deleted: bool = False


@strawberry.input
class AuditFilter:
    actor_id: strawberry.ID | None = None
    operation: str | None = None
    record_id: strawberry.ID | None = strawberry.field(
        default=None, description="Entries that touched this record."
    )
    since: datetime | None = None
    until: datetime | None = None
