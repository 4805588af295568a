"""SLA policies: created and listed by the office."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.errors import BadUserInput
from domain.policy import Action
from domain.sla.clock import check_minutes
from domain.sla.policies import check_targets
from domain.tickets.lifecycle import check_severity
from persistence.models import BusinessCalendar, SlaPolicy
from persistence.queries import sla as sla_rows
from resolvers.ids import decode_optional_id, encode_id
from resolvers.records import set_active

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.sla.inputs import SlaPolicyInput


async def create_sla_policy(ctx: Context, data: SlaPolicyInput) -> SlaPolicy:
    actor = await ctx.actor()
    policy.require(actor, Action.SLA_MANAGE)
    name = validation.text(data.name, "name", max_length=100)
    severity = check_severity(data.severity)
    response = check_minutes(data.response_minutes, "responseMinutes")
    on_site = check_minutes(data.on_site_minutes, "onSiteMinutes")
    resolution = check_minutes(data.resolution_minutes, "resolutionMinutes")
    check_targets(response, on_site, resolution, data.warn_before_minutes)
    kinds = validation.names([k.value for k in data.kinds] if data.kinds else None, "kinds")
    categories = validation.names(data.customer_categories, "customerCategories")
    escalate = validation.names([r.value for r in data.escalate_to or []], "escalateTo") or []
    calendar_pk = decode_optional_id(data.calendar_id, "BusinessCalendar", field="calendarId")
    async with ctx.write("createSlaPolicy", actor=actor) as work:
        if calendar_pk is not None:
            calendar = await work.session.get(BusinessCalendar, calendar_pk)
            if calendar is None or calendar.is_deleted:
                raise BadUserInput("no such calendar", field="calendarId")
        row = SlaPolicy(
            name=name,
            severity=severity,
            kinds=kinds,
            customer_categories=categories,
            response_minutes=response,
            on_site_minutes=on_site,
            resolution_minutes=resolution,
            warn_before_minutes=data.warn_before_minutes,
            calendar_id=calendar_pk,
            escalate_to=escalate,
            active=data.active,
        )
        work.session.add(row)
        await work.session.flush()
        work.touched(encode_id("SlaPolicy", row.id))
    return row


async def sla_policies(ctx: Context) -> list[SlaPolicy]:
    actor = await ctx.actor()
    policy.require(actor, Action.SLA_READ)
    async with ctx.read() as session:
        return list(await sla_rows.all_policies(session))


async def business_calendars(ctx: Context) -> list[Any]:
    actor = await ctx.actor()
    policy.require(actor, Action.SLA_READ)
    async with ctx.read() as session:
        return list(await sla_rows.all_calendars(session))


async def set_sla_policy_active(ctx: Context, policy_id: str, active: bool) -> SlaPolicy:
    """Turns a policy on or off for tickets created from now on (clocks already
    running keep their targets)."""
    return await set_active(ctx, SlaPolicy, policy_id, active=active, action=Action.SLA_MANAGE)
