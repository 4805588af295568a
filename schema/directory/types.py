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
from schema.accounts.types import User
from schema.relations import relation
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

    parent: Region | None = relation("region", key="parent_id")

    children: list[Region] = relation("region_children", key="id")


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

    region: Region | None = relation("region", key="region_id")

    contacts: list[Contact] | None = relation(
        "agent_contacts",
        key="id",
        description="The agent's own people (the office and the agent only).",
    )


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

    region: Region | None = relation("region", key="region_id")

    agent: Agent | None = relation("agent", key="agent_id")

    salesperson: User | None = relation("user", key="salesperson_id")

    contacts: list[Contact] = relation("customer_contacts", key="id")

    devices: list[LazyDevice] = relation("customer_devices", key="id")

    communications: list[Communication] = relation(
        "customer_communications",
        key="id",
        description="The log of communications, newest first (office and agents; FORBIDDEN "
        "to others).",
    )
