"""Root fields of calendars, SLA policies and holds (merged into the roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from domain.sla.clock import HoldReason as DomainHoldReason
from resolvers.context import Info
from resolvers.sla import calendars, holds, policies
from schema.sla.inputs import BusinessCalendarInput, HoldReason, SlaPolicyInput
from schema.sla.types import BusinessCalendar, SlaPolicy
from schema.tickets.types import Ticket


@strawberry.type
class SlaQueries:
    @strawberry.field(description="SLA policies (staff), by severity, newest first.")
    async def sla_policies(self, info: Info) -> list[SlaPolicy]:
        return await policies.sla_policies(info.context)  # type: ignore[return-value]

    @strawberry.field(description="Business calendars (staff).")
    async def business_calendars(self, info: Info) -> list[BusinessCalendar]:
        return await policies.business_calendars(info.context)  # type: ignore[return-value]


@strawberry.type
class SlaMutations:
    @strawberry.mutation(
        description="A calendar of working hours, holidays and make-up working days "
        "(ADMIN, BACK_OFFICE). Every weekday 00:00-24:00 and no days is 24x7."
    )
    async def create_business_calendar(
        self, info: Info, input: BusinessCalendarInput
    ) -> BusinessCalendar:
        return await calendars.create_business_calendar(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="An SLA policy (ADMIN, BACK_OFFICE): the most specific active one "
        "applies to a ticket when it is created."
    )
    async def create_sla_policy(self, info: Info, input: SlaPolicyInput) -> SlaPolicy:
        return await policies.create_sla_policy(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Turns a policy on or off for tickets created from now on (ADMIN, "
        "BACK_OFFICE); running clocks keep their targets."
    )
    async def set_sla_policy_active(self, info: Info, id: ID, active: bool) -> SlaPolicy:
        return await policies.set_sla_policy_active(info.context, id, active)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Pauses the ticket's SLA clock (the assignee or a dispatcher); the "
        "status stays. CONFLICT if it is already on hold."
    )
    async def hold_ticket(
        self,
        info: Info,
        id: ID,
        reason: HoldReason,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        return await holds.hold_ticket(  # type: ignore[no-any-return]
            info.context, id, DomainHoldReason(reason.value), note, expected_version
        )

    @strawberry.mutation(
        description="Ends the hold: the deadlines move by the business time it lasted."
    )
    async def resume_ticket(
        self, info: Info, id: ID, expected_version: int | None = None
    ) -> Ticket:
        return await holds.resume_ticket(info.context, id, expected_version)  # type: ignore[no-any-return]
