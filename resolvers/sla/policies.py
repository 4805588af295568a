"""SLA policies: created and listed by the office."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import validation
from domain.errors import BadUserInput, Forbidden, NotFound
from domain.roles import STAFF, Role
from domain.sla.clock import check_minutes
from domain.sla.policies import check_targets, clean_names
from domain.tickets.lifecycle import check_severity
from persistence.models import BusinessCalendar, SlaPolicy
from persistence.queries import sla as sla_rows
from resolvers.ids import decode_id, decode_optional_id, encode_id

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.sla.inputs import SlaPolicyInput

MANAGERS = frozenset({Role.ADMIN, Role.BACK_OFFICE})


async def create_sla_policy(ctx: Context, data: SlaPolicyInput) -> SlaPolicy:
    actor = await ctx.actor()
    if actor.role not in MANAGERS:
        raise Forbidden("only ADMIN and BACK_OFFICE manage SLA policies")
    name = validation.text(data.name, "name", max_length=100)
    severity = check_severity(data.severity)
    response = check_minutes(data.response_minutes, "responseMinutes")
    on_site = check_minutes(data.on_site_minutes, "onSiteMinutes")
    resolution = check_minutes(data.resolution_minutes, "resolutionMinutes")
    check_targets(response, on_site, resolution, data.warn_before_minutes)
    kinds = clean_names([k.value for k in data.kinds] if data.kinds else None, "kinds")
    categories = clean_names(data.customer_categories, "customerCategories")
    escalate = clean_names([r.value for r in data.escalate_to or []], "escalateTo") or []
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
    if actor.role not in STAFF:
        raise Forbidden("SLA policies are for staff")
    async with ctx.read() as session:
        return list(await sla_rows.all_policies(session))


async def business_calendars(ctx: Context) -> list[Any]:
    actor = await ctx.actor()
    if actor.role not in STAFF:
        raise Forbidden("calendars are for staff")
    async with ctx.read() as session:
        return list(await sla_rows.all_calendars(session))


async def set_sla_policy_active(ctx: Context, policy_id: str, active: bool) -> SlaPolicy:
    """Turns a policy on or off for tickets created from now on (clocks already
    running keep their targets)."""
    actor = await ctx.actor()
    if actor.role not in MANAGERS:
        raise Forbidden("only ADMIN and BACK_OFFICE manage SLA policies")
    pk = decode_id(policy_id, "SlaPolicy")
    async with ctx.write("setSlaPolicyActive", actor=actor) as work:
        row = await work.session.get(SlaPolicy, pk, with_for_update=True)
        if row is None or row.is_deleted:
            raise NotFound("SLA policy not found")
        row.active = active
        work.touched(encode_id("SlaPolicy", row.id))
    return row
