"""Business calendars: creating them, and turning a stored one into the domain's
calendar (its own days over the official ones of its source), cached per process until
the row changes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.policy import Action
from domain.sla.calendar import BusinessCalendar as DomainCalendar
from domain.sla.calendar import CalendarDay as DomainDay
from domain.sla.calendar import WorkingHours, make_calendar
from domain.sla.official_days import china_official_days, china_years_covered
from persistence.models import BusinessCalendar, CalendarDay
from persistence.queries import automation as automation_rows
from persistence.queries import sla as sla_rows
from resolvers.ids import encode_id

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.sla.inputs import BusinessCalendarInput

OFFICIAL_SOURCES = {"CN"}

# calendar id -> (updated_at of the row it was built from, the calendar)
_built: dict[int, tuple[Any, DomainCalendar]] = {}
_official: dict[str, dict[date, DomainDay]] = {}


def official_days(source: str) -> dict[date, DomainDay]:
    if source not in _official:
        first, last = china_years_covered()
        _official[source] = {d.date: d for d in china_official_days(first, last)}
    return _official[source]


async def domain_calendar(session: AsyncSession, calendar_id: int) -> DomainCalendar:
    row = await session.get(BusinessCalendar, calendar_id)
    if row is None:
        raise NotFound("calendar not found", field="calendarId")
    cached = _built.get(row.id)
    if cached is not None and cached[0] == row.updated_at:
        return cached[1]
    days: dict[date, bool] = {}
    if row.official_days:
        days.update({d: day.working for d, day in official_days(row.official_days).items()})
    for own in await sla_rows.calendar_days(session, [row.id]):
        days[own.day] = own.working
    hours = tuple(WorkingHours(h["weekday"], h["start"], h["end"]) for h in row.hours)
    calendar = DomainCalendar(row.timezone, hours, days)
    _built[row.id] = (row.updated_at, calendar)
    return calendar


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


async def create_business_calendar(ctx: Context, data: BusinessCalendarInput) -> BusinessCalendar:
    actor = await ctx.actor()
    policy.require(actor, Action.SLA_MANAGE)
    name = validation.text(data.name, "name", max_length=100)
    timezone = validation.text(data.timezone, "timezone", max_length=64)
    if len(data.hours) > 7 * 6:
        raise BadUserInput("at most six intervals per weekday", field="hours")
    if data.days is not None and len(data.days) > 5000:
        raise BadUserInput("at most 5000 days", field="days")
    days = [
        DomainDay(d.date, d.working, validation.optional_text(d.note, "days.note", max_length=200))
        for d in data.days or []
    ]
    built = make_calendar(timezone, [(h.weekday, h.start, h.end) for h in data.hours], days)
    official = data.official_days.value if data.official_days else None
    async with ctx.write("createBusinessCalendar", actor=actor) as work:
        if await sla_rows.calendar_name_taken(work.session, name):
            raise BadUserInput("a calendar with this name exists", field="name")
        row = BusinessCalendar(
            name=name,
            timezone=built.timezone,
            hours=[{"weekday": h.weekday, "start": h.start, "end": h.end} for h in built.hours],
            official_days=official,
        )
        work.session.add(row)
        await work.session.flush()
        work.session.add_all(
            CalendarDay(calendar_id=row.id, day=d.date, working=d.working, note=d.note)
            for d in days
        )
        work.touched(encode_id("BusinessCalendar", row.id))
    return row


def hours_of(row: BusinessCalendar) -> list[tuple[int, str, str]]:
    return [(h["weekday"], _clock(h["start"]), _clock(h["end"])) for h in row.hours]


async def service_timezone(session: AsyncSession) -> str:
    """The timezone the service's dates are in: the default calendar's."""
    settings = await automation_rows.service_settings(session)
    if settings.default_calendar_id is not None:
        row = await session.get(BusinessCalendar, settings.default_calendar_id)
        if row is not None:
            return row.timezone
    return "Asia/Shanghai"
