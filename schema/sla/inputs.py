"""Inputs and enums of business calendars, SLA policies and holds."""

from __future__ import annotations

import datetime
from enum import StrEnum

import strawberry

from domain.sla.clock import HoldReason as DomainHoldReason
from domain.sla.clock import SlaState as DomainSlaState
from domain.sla.clock import SlaTarget as DomainSlaTarget
from schema.accounts.types import Role
from schema.tickets.inputs import TicketKind

HoldReason = strawberry.enum(DomainHoldReason, name="HoldReason")
SlaState = strawberry.enum(DomainSlaState, name="SlaState")
SlaTarget = strawberry.enum(DomainSlaTarget, name="SlaTarget")


@strawberry.enum(description="A maintained source of public holidays and make-up working days.")
class OfficialDays(StrEnum):
    CN = "CN"


@strawberry.input
class WorkingHoursInput:
    weekday: int = strawberry.field(description="1 = Monday .. 7 = Sunday.")
    start: str = strawberry.field(description='"08:30"')
    end: str = strawberry.field(
        description='"17:30"; "24:00" ends at midnight; an end before the start runs overnight.'
    )


@strawberry.input
class CalendarDayInput:
    date: datetime.date
    working: bool = strawberry.field(
        description="false: a holiday; true: a working day (a make-up weekend day, 调休)."
    )
    note: str | None = None


@strawberry.input
class BusinessCalendarInput:
    name: str
    timezone: str = strawberry.field(description="An IANA zone, e.g. Asia/Shanghai.")
    hours: list[WorkingHoursInput]
    days: list[CalendarDayInput] | None = None
    official_days: OfficialDays | None = strawberry.field(
        default=None,
        description="Also follow this source's public holidays and make-up working days "
        "(the calendar's own days win).",
    )


@strawberry.input
class SlaPolicyInput:
    name: str
    severity: int
    kinds: list[TicketKind] | None = None
    customer_categories: list[str] | None = None
    response_minutes: int | None = None
    on_site_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_before_minutes: int = 0
    calendar_id: strawberry.ID | None = strawberry.field(
        default=None, description="Null: the service settings' default calendar."
    )
    escalate_to: list[Role] | None = None
    active: bool = True
