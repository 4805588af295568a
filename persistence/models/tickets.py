"""Tickets, their site check-ins and work records, idempotency keys, ticket-kind limits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime, utcnow


class Ticket(Tracked, Base):
    """A work order. `version` is bumped by every change (SQLAlchemy's version counter
    makes each UPDATE a compare-and-swap: `... WHERE id = ? AND version = ?`)."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    remote_diagnosis: Mapped[str | None] = mapped_column(Text)
    under_warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    dispatched_by_id: Mapped[int | None] = mapped_column(Integer)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatch_note: Mapped[str | None] = mapped_column(Text)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_summary: Mapped[str | None] = mapped_column(Text)
    close_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_communication: Mapped[int | None] = mapped_column(Integer)
    rating_quality: Mapped[int | None] = mapped_column(Integer)
    rating_solved: Mapped[bool | None] = mapped_column(Boolean)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_by_id: Mapped[int | None] = mapped_column(Integer)
    rated_on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Automation (the time engine): the rule that dispatched it (null: a person did),
    # whether the customer's confirmation was given by rule, when the customer was
    # reminded of an unanswered close request, and the maintenance due date a
    # scheduled ticket was made for (one ticket per device and due date).
    dispatch_rule_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_rules.id"))
    confirmed_by_rule: Mapped[bool] = mapped_column(Boolean, default=False)
    close_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    maintenance_due_on: Mapped[date | None] = mapped_column(Date)
    # On hold (waiting for parts, the customer, a third party): the status stays, the
    # SLA clock stops.
    hold_reason: Mapped[str | None] = mapped_column(String(24))
    hold_note: Mapped[str | None] = mapped_column(Text)
    hold_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Field work (issue 11): who signed and when (the image: the ticket's newest
    # attachment of kind SIGNATURE),
    # the defect repaired (for the warranty's repeat-failure rule), the estimate the
    # customer answers before chargeable work, the statement's total as the customer
    # confirmed it, and the days a warranty repair added to the device's warranty.
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    defect_code: Mapped[str | None] = mapped_column(String(50))
    estimate_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    estimate_note: Mapped[str | None] = mapped_column(Text)
    estimate_status: Mapped[str | None] = mapped_column(String(10))
    estimate_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimate_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimate_answered_by_id: Mapped[int | None] = mapped_column(Integer)
    estimate_on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    charges_confirmed_total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    warranty_extended_days: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


# One scheduled maintenance ticket per device and due date, whatever the processes do.
Index(
    "uq_tickets_maintenance_due",
    Ticket.device_id,
    Ticket.maintenance_due_on,
    unique=True,
    postgresql_where=Ticket.maintenance_due_on.is_not(None),
    sqlite_where=Ticket.maintenance_due_on.is_not(None),
)


class CheckIn(Tracked, Base):
    __tablename__ = "ticket_check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)


class WorkRecord(Tracked, Base):
    __tablename__ = "ticket_work_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str | None] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    issues_left: Mapped[str | None] = mapped_column(Text)


class IdempotencyKey(Base):
    """The first result of a mutation retried with the same key by the same user."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_user_key", "user_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(50))
    ticket_id: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    # For a mutation whose result is another record of the ticket (an outing request,
    # an expense claim): that record, returned again to a retry.
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KindRestriction(Tracked, Base):
    """Ticket kinds a role, or one user, is limited to (no row: all kinds)."""

    __tablename__ = "ticket_kind_restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)


class DepotStepRecord(Base):
    """One hand-over of a depot repair (返厂维修): who, when, note, tracking number."""

    __tablename__ = "ticket_depot_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    tracking_number: Mapped[str | None] = mapped_column(String(100))
