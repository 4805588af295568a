"""Devices at customers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.maintenance.plans import next_due
from persistence.models.base import Base, Tracked


class Device(Tracked, Base):
    __tablename__ = "devices"
    __table_args__ = (
        Index(
            "uq_devices_brand_serial_live",
            "brand",
            "serial_number",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    brand: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    serial_number: Mapped[str] = mapped_column(String(100), index=True)
    bought_from_us: Mapped[bool] = mapped_column(Boolean, default=True)
    vendor: Mapped[str | None] = mapped_column(String(200))
    deal_number: Mapped[str | None] = mapped_column(String(50))
    purchase_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    quoted_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    installed_on: Mapped[date | None] = mapped_column(Date)
    warranty_ends_on: Mapped[date | None] = mapped_column(Date)
    maintenance_interval_days: Mapped[int | None] = mapped_column(Integer)
    last_maintained_on: Mapped[date | None] = mapped_column(Date)
    # When its next maintenance falls due (domain.maintenance.plans.next_due), kept by
    # the listener below on every write, so the plans job finds due devices by index.
    maintenance_due_on: Mapped[date | None] = mapped_column(Date, index=True)


@event.listens_for(Device, "before_insert")
@event.listens_for(Device, "before_update")
def _schedule_maintenance(_mapper: Any, _connection: Any, device: Device) -> None:
    device.maintenance_due_on = next_due(
        device.installed_on, device.last_maintained_on, device.maintenance_interval_days
    )
