"""SQLAlchemy models. Relationships are not mapped: rows are joined through
DataLoaders and explicit queries, so nothing can lazy-load under asyncio."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from persistence.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Tracked:
    """Who created and last changed a row, and when; deletion is logical."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Region(Tracked, Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))  # PROVINCE, CITY, COUNTY
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)


class Agent(Tracked, Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(50))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))


class Customer(Tracked, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index(
            "uq_customers_code_live",
            "code",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str | None] = mapped_column(String(50))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    # No FK constraint: users reference customers, and a cycle would complicate migrations.
    salesperson_id: Mapped[int | None] = mapped_column(Integer, index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class User(Tracked, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on disable, password change and reset: tokens carry it, so old ones stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Contact(Tracked, Base):
    """A person at a customer or at an agent."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))


class Communication(Tracked, Base):
    """One entry of the log of communications with a customer."""

    __tablename__ = "communications"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)


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


class AuditEntry(Base):
    """Every change: who, from which address, which operation, which records, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(100), index=True)
    record_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


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
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


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


class Event(Base):
    """The outbox and the source of truth for live sync. `sequence` is assigned at one
    serialisation point just before commit, so sequence order is commit order."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_ticket_sequence", "ticket_id", "sequence"),)

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    # What decides who may see the event, kept as columns so replay can filter in SQL.
    kind: Mapped[str | None] = mapped_column(String(20))
    customer_id: Mapped[int | None] = mapped_column(Integer)
    customer_agent_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    previous_assignee_id: Mapped[int | None] = mapped_column(Integer)
    # A notification event goes to one user only.
    recipient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Notification(Tracked, Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    message: Mapped[str] = mapped_column(String(300))
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KindRestriction(Tracked, Base):
    """Ticket kinds a role, or one user, is limited to (no row: all kinds)."""

    __tablename__ = "ticket_kind_restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)
