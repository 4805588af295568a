"""Business calendars, SLA policies, each ticket's SLA clock and the alerts it raised."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


class BusinessCalendar(Tracked, Base):
    """Working hours per weekday (JSON: [{weekday, start, end}] in minutes of the day)
    in a timezone; its own days (holidays, make-up working days) are rows of
    `CalendarDay`. `official_days` names a maintained source of public holidays merged
    under its own days ("CN": the Chinese State Council calendar, domain.sla.official_days)."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[list[dict[str, int]]] = mapped_column(JSON)
    official_days: Mapped[str | None] = mapped_column(String(8))


class CalendarDay(Base):
    __tablename__ = "business_calendar_days"
    __table_args__ = (Index("uq_business_calendar_days_day", "calendar_id", "day", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))


class SlaPolicy(Tracked, Base):
    """Targets in business minutes for tickets of one severity (and, when given, of
    some kinds and customer categories). A null target is no promise."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    severity: Mapped[int] = mapped_column(Integer, index=True)
    kinds: Mapped[list[str] | None] = mapped_column(JSON)
    customer_categories: Mapped[list[str] | None] = mapped_column(JSON)
    response_minutes: Mapped[int | None] = mapped_column(Integer)
    on_site_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    warn_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))
    escalate_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# The column prefix of each SLA target (domain.sla.clock.SlaTarget) in ticket_slas.
TARGET_PREFIX = {"RESPONSE": "response", "ON_SITE": "on_site", "RESOLUTION": "resolution"}


class TicketSla(Base):
    """A ticket's SLA clock: the policy's targets as they were applied, and per target
    (response, on site, resolution) when it is due, when it warns, when it was met, and
    whether its warning and its breach were raised (each exactly once). `state` is the
    summary the board filters on, changed with the events that announce it.

    A target's columns are `<prefix>_<name>`: read them with `target_column` (SQL) or
    `of_target` / `set_of_target` (a row), never by spelling the prefix."""

    @classmethod
    def target_column(cls, target: str, name: str) -> Any:
        return getattr(cls, f"{TARGET_PREFIX[target]}_{name}")

    def of_target(self, target: str, name: str) -> Any:
        return getattr(self, f"{TARGET_PREFIX[target]}_{name}")

    def set_of_target(self, target: str, name: str, value: Any) -> None:
        setattr(self, f"{TARGET_PREFIX[target]}_{name}", value)

    __tablename__ = "ticket_slas"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id"), index=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_before_minutes: Mapped[int] = mapped_column(Integer)
    escalate_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), index=True)
    # The clock stops when the ticket is closed or cancelled.
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Time on finished holds (the hold itself is the ticket's: tickets.hold_since): wall-clock, and the business time that did not count.
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    paused_business_seconds: Mapped[int] = mapped_column(Integer, default=0)

    response_minutes: Mapped[int | None] = mapped_column(Integer)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    response_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)

    on_site_minutes: Mapped[int | None] = mapped_column(Integer)
    on_site_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    on_site_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    on_site_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    on_site_breached: Mapped[bool] = mapped_column(Boolean, default=False)

    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolution_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)


class SlaBreach(Base):
    """A missed target, kept for reports: which, when it was due, when it was seen
    missed, and when it was met after all (how late = met_at or now, minus due_at)."""

    __tablename__ = "sla_breaches"
    __table_args__ = (Index("uq_sla_breaches_target", "ticket_id", "target", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id"))
    target: Mapped[str] = mapped_column(String(12))
    severity: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
