"""The service-wide settings of automation, and what the job runner did."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy
from domain.errors import BadUserInput
from domain.policy import Action
from persistence.models import BusinessCalendar, JobRun, ServiceSettings
from persistence.queries import automation as automation_rows
from resolvers.ids import decode_optional_id, encode_id
from resolvers.pagination import paginate
from resolvers.records import changed_fields

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.automation.inputs import ServiceSettingsInput
    from schema.pagination import Connection

UNSET = object()


async def service_settings(ctx: Context) -> ServiceSettings:
    actor = await ctx.actor()
    policy.require(actor, Action.SERVICE_SETTINGS_READ)
    async with ctx.read() as session:
        return await automation_rows.service_settings(session)


async def set_service_settings(ctx: Context, data: ServiceSettingsInput) -> ServiceSettings:
    """Fields left out keep their value; `autoCloseAfterMinutes: null` turns it off."""
    actor = await ctx.actor()
    policy.require(actor, Action.SERVICE_SETTINGS_MANAGE)
    given = changed_fields(data)
    minutes = given.get("auto_close_after_minutes", UNSET)
    if minutes is not UNSET and minutes is not None and not 1 <= minutes <= 525_600:  # type: ignore[operator]
        raise BadUserInput(
            "must be between 1 and 525600, or null (never)", field="autoCloseAfterMinutes"
        )
    lead = given.get("maintenance_lead_days", UNSET)
    if lead is not UNSET and (lead is None or not 0 <= lead <= 365):  # type: ignore[operator]
        raise BadUserInput("must be between 0 and 365", field="maintenanceLeadDays")
    calendar_pk = UNSET
    if "default_calendar_id" in given:
        calendar_pk = decode_optional_id(
            given["default_calendar_id"], "BusinessCalendar", field="defaultCalendarId"
        )
        if calendar_pk is None:
            raise BadUserInput("a default calendar is required", field="defaultCalendarId")
    async with ctx.write("setServiceSettings", actor=actor) as work:
        row = await automation_rows.service_settings(work.session)
        if calendar_pk is not UNSET:
            calendar = await work.session.get(BusinessCalendar, calendar_pk)
            if calendar is None or calendar.is_deleted:
                raise BadUserInput("no such calendar", field="defaultCalendarId")
            row.default_calendar_id = calendar.id
        if minutes is not UNSET:
            row.auto_close_after_minutes = minutes  # type: ignore[assignment]
        if lead is not UNSET:
            row.maintenance_lead_days = lead  # type: ignore[assignment]
        work.touched(encode_id("ServiceSettings", row.id))
    return row


async def job_runs(
    ctx: Context, first: int | None, after: str | None, job: str | None
) -> Connection[JobRun]:
    actor = await ctx.actor()
    policy.require(actor, Action.JOB_RUN_READ)
    stmt = automation_rows.job_runs(job)
    return await paginate(ctx, stmt, JobRun.id, first=first, after=after, newest_first=True)
