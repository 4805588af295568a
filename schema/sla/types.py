"""Output types of calendars, SLA policies, a ticket's SLA clock and its hold."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain.access import ANYONE, TRACKING
from domain.sla.clock import SlaTarget as DomainSlaTarget
from resolvers import visibility
from resolvers.context import Info
from resolvers.sla.calendars import hours_of
from resolvers.sla.clock import targets_of
from schema.accounts.types import Role
from schema.relations import relation
from schema.rules import ReadRule
from schema.sla.inputs import HoldReason, SlaState, SlaTarget
from schema.tickets.inputs import TicketKind
from schema.tracking import Tracked


@strawberry.type
class WorkingHours:
    __read__ = ReadRule(part_of=("BusinessCalendar",), fields={ANYONE: ("weekday", "start", "end")})

    weekday: int
    start: str
    end: str


@strawberry.type(description="Working hours per weekday in a timezone, with its days off and on.")
class BusinessCalendar(Tracked):
    __read__ = ReadRule(
        rows=visibility.STAFF_ROWS,
        fields={ANYONE: ("id", "name", "timezone", "hours", "official_days", *TRACKING)},
    )

    name: str
    timezone: str
    official_days: str | None

    @strawberry.field
    def hours(self) -> list[WorkingHours]:
        return [WorkingHours(weekday=d, start=s, end=e) for d, s, e in hours_of(self)]  # type: ignore[arg-type]


@strawberry.type(description="Targets in business minutes for tickets of one severity.")
class SlaPolicy(Tracked):
    __read__ = ReadRule(
        rows=visibility.STAFF_ROWS,
        fields={
            ANYONE: (
                "id",
                "name",
                "severity",
                "kinds",
                "customer_categories",
                "response_minutes",
                "on_site_minutes",
                "resolution_minutes",
                "warn_before_minutes",
                "calendar",
                "escalate_to",
                "active",
                *TRACKING,
            )
        },
    )

    name: str
    severity: int
    response_minutes: int | None
    on_site_minutes: int | None
    resolution_minutes: int | None
    warn_before_minutes: int
    active: bool

    @strawberry.field
    def kinds(self) -> list[TicketKind] | None:
        found = self.kinds  # type: ignore[attr-defined]
        return [TicketKind(k) for k in found] if found else None

    @strawberry.field
    def customer_categories(self) -> list[str] | None:
        return self.customer_categories or None  # type: ignore[attr-defined, return-value]

    @strawberry.field
    def escalate_to(self) -> list[Role]:
        return [Role(r) for r in self.escalate_to or []]  # type: ignore[attr-defined]

    calendar: BusinessCalendar | None = relation(
        "business_calendar",
        key="calendar_id",
        description="Null: the default calendar of the service settings.",
    )


@strawberry.type(description="The ticket is waiting; its SLA clock does not count meanwhile.")
class TicketHold:
    __read__ = ReadRule(part_of=("Ticket",), fields={ANYONE: ("reason", "since", "note")})

    reason: HoldReason
    since: datetime
    note: str | None


def _at(clock: object, target: DomainSlaTarget, name: str) -> datetime | None:
    return clock.of_target(target.value, name)  # type: ignore[attr-defined, no-any-return]


@strawberry.type(
    description="The ticket's SLA: its deadlines (business time of the policy's calendar "
    "from creation, time on hold not counted), when each target was met, its state."
)
class TicketSla:
    __read__ = ReadRule(
        part_of=("Ticket",),
        fields={
            ANYONE: (
                "policy",
                "state",
                "response_due_at",
                "on_site_due_at",
                "resolution_due_at",
                "responded_at",
                "on_site_at",
                "resolved_at",
                "paused_minutes",
                "breached",
                "on_hold",
            )
        },
    )

    state: SlaState
    response_due_at: datetime | None = strawberry.field(
        description="While on hold: as it stood when the hold began (it moves when it ends)."
    )
    on_site_due_at: datetime | None
    resolution_due_at: datetime | None

    @strawberry.field(description="When the engineer acknowledged (the response target).")
    def responded_at(self) -> datetime | None:
        return _at(self, DomainSlaTarget.RESPONSE, "met_at")

    @strawberry.field(description="The first check-in (the on-site target).")
    def on_site_at(self) -> datetime | None:
        return _at(self, DomainSlaTarget.ON_SITE, "met_at")

    @strawberry.field(description="When the close was requested (the resolution target).")
    def resolved_at(self) -> datetime | None:
        return _at(self, DomainSlaTarget.RESOLUTION, "met_at")

    @strawberry.field(description="Minutes spent on hold, growing while a hold lasts.")
    async def paused_minutes(self, info: Info) -> int:
        seconds = self.paused_seconds  # type: ignore[attr-defined]
        ticket = await info.context.loaders.ticket.load(self.ticket_id)  # type: ignore[attr-defined]
        if ticket is not None and ticket.hold_since is not None and self.stopped_at is None:  # type: ignore[attr-defined]
            seconds += max(0, int((datetime.now(UTC) - ticket.hold_since).total_seconds()))
        return int(seconds // 60)

    @strawberry.field(description="The targets missed (met late or not met in time).")
    def breached(self) -> list[SlaTarget]:
        return [
            SlaTarget(t.target.value)
            for t in targets_of(self)  # type: ignore[arg-type]
            if t.breached or t.met_late
        ]

    @strawberry.field
    async def on_hold(self, info: Info) -> bool:
        ticket = await info.context.loaders.ticket.load(self.ticket_id)  # type: ignore[attr-defined]
        return ticket is not None and ticket.hold_since is not None

    policy: SlaPolicy | None = relation("sla_policy", key="policy_id")
