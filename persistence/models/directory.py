"""The directory: regions, agents, customers, their contacts, communications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


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
