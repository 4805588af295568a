"""What runs without a person: the service-wide settings of automation, and the job runs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


class ServiceSettings(Tracked, Base):
    """One row (id 1): automatic close, maintenance lead time, the default calendar,
    charge rates."""

    __tablename__ = "service_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    auto_close_after_minutes: Mapped[int | None] = mapped_column(Integer)
    maintenance_lead_days: Mapped[int] = mapped_column(Integer, default=7)
    default_calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))
    # Charge rates (002 售后服务说明书: 100 an hour on our own products, 150 on other
    # vendors'); each charge line keeps the rate in force when it was made.
    own_device_hourly: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("100.00"))
    other_device_hourly: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("150.00"))
    travel_fee: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))


class JobRun(Base):
    """One run of one job for one tick. The row is the claim: (job, tick) is unique, so
    of every process that wakes up for a tick exactly one inserts it and runs the job."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("uq_job_runs_tick", "job", "tick", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    # Seconds since the epoch divided by the interval: the tick's number.
    tick: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)
    process: Mapped[str] = mapped_column(String(100))
