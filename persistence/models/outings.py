"""Engineer outing requests, the parts asked for and their expenses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


class OutingRequest(Tracked, Base):
    """An engineer's request to go out for a ticket with parts and money."""

    __tablename__ = "outing_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutingRequestPart(Tracked, Base):
    __tablename__ = "outing_request_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outing_request_id: Mapped[int] = mapped_column(ForeignKey("outing_requests.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int] = mapped_column(Integer)


class OutingExpense(Tracked, Base):
    """Money asked for an outing, then reimbursed against receipts: claimed, approved,
    paid."""

    __tablename__ = "outing_expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    outing_request_id: Mapped[int] = mapped_column(ForeignKey("outing_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # TRAVEL, LODGING, OTHER
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # REQUESTED CLAIMED APPROVED PAID REJECTED
    claimed_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    receipt: Mapped[str | None] = mapped_column(String(200))
    claim_note: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    paid_by_id: Mapped[int | None] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_note: Mapped[str | None] = mapped_column(Text)
    rejected_by_id: Mapped[int | None] = mapped_column(Integer)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
