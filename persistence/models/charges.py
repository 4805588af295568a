"""The charge lines a ticket keeps: labour (one per work record), travel (one per
check-in) and the office's other lines, each with the rate in force when it was made.
Parts are charged from their usage lines (persistence.models.parts.TicketPart)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked


class ChargeLineRecord(Tracked, Base):
    __tablename__ = "ticket_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # What the line was made for: a work record (labour), a check-in (travel).
    work_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_work_records.id"), unique=True
    )
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_check_ins.id"), unique=True)
