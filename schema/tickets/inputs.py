"""Inputs for tickets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

from domain.tickets.lifecycle import TicketKind as DomainKind
from domain.tickets.lifecycle import TicketSource as DomainSource
from domain.tickets.lifecycle import TicketStatus as DomainStatus

if TYPE_CHECKING:
    from schema.sla.inputs import SlaState

TicketKind = strawberry.enum(DomainKind, name="TicketKind")
TicketStatus = strawberry.enum(DomainStatus, name="TicketStatus")
TicketSource = strawberry.enum(DomainSource, name="TicketSource")


@strawberry.input
class CreateTicketInput:
    __writes__ = "Ticket"  # what it writes, field by field (schema.rules)

    kind: TicketKind
    customer_id: strawberry.ID
    description: str
    severity: int = strawberry.field(default=3, description="1 (most urgent) to 4.")
    device_id: strawberry.ID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    source: TicketSource | None = strawberry.field(
        default=None, description="Staff only; defaults by who reports (PORTAL, AGENT, PHONE)."
    )
    remote_diagnosis: str | None = strawberry.field(default=None, description="Staff only.")
    under_warranty: bool | None = strawberry.field(
        default=None, description="Staff only; by default from the device's warranty end."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the first result."
    )


@strawberry.input
class RatingInput:
    communication: int = strawberry.field(description="1 to 5.")
    quality: int = strawberry.field(description="1 to 5.")
    solved: bool
    comment: str | None = None


@strawberry.input
class WorkRecordInput:
    started_at: datetime
    ended_at: datetime
    details: str
    method: str | None = strawberry.field(default=None, description="ON_SITE, REMOTE, DEPOT...")
    place: str | None = None
    issues_left: str | None = None


@strawberry.input
class TicketFilter:
    status: list[TicketStatus] | None = None
    kind: TicketKind | None = None
    severity: int | None = None
    customer_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    search: str | None = strawberry.field(
        default=None, description="In number, description, contact name, customer name."
    )
    device_id: strawberry.ID | None = None
    sla_state: list[Annotated[SlaState, strawberry.lazy("schema.sla.inputs")]] | None = (
        strawberry.field(
            default=None,
            description="Tickets whose SLA is in one of these states (staff; the board's "
            "at-risk column). Tickets without an SLA match none.",
        )
    )


@strawberry.enum
class NotificationScope(StrEnum):
    ALL = "ALL"
    UNHANDLED = "UNHANDLED"


@strawberry.input(description="Fields left out keep their value.")
class UpdateTicketInput:
    severity: int | None = UNSET
    description: str | None = UNSET
    contact_name: str | None = UNSET
    contact_phone: str | None = UNSET
    device_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A device of the ticket's customer; null: none."
    )
    defect_code: str | None = strawberry.field(
        default=UNSET,
        description="The defect repaired, as the office codes it (upper-cased): the same "
        "defect repaired twice under warranty makes a replacement due (三包).",
    )
