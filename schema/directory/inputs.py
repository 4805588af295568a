"""Inputs of the directory: regions, agents, customers, contacts, communications."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import UNSET

from schema.directory.types import RegionLevel


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


@strawberry.input(description="Only the fields given change; an explicit null clears a field.")
class ContactPatch:
    __writes__ = "Contact"  # what it writes, field by field (schema.rules)

    name: str | None = UNSET
    department: str | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET


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
