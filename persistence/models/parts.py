"""Spare parts: the catalogue, engineers' stock, stock movements, parts used on tickets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime, utcnow


class Part(Tracked, Base):
    """A spare part. `on_hand` is the warehouse stock, changed only by stock movements;
    `average_purchase_price` is the mean of the last three purchases' unit prices (an
    order received in several deliveries is one purchase)."""

    __tablename__ = "parts"
    __table_args__ = (
        Index(
            "uq_parts_part_number_live",
            "part_number",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200), index=True)
    spec: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    brand: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    cost_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    list_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    minimum_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    alarm_threshold: Mapped[int] = mapped_column(Integer, default=0)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    average_purchase_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class EngineerStock(Base):
    """Parts an engineer carries (issued to them, not yet used on a ticket or returned)."""

    __tablename__ = "engineer_stock"
    __table_args__ = (
        Index("uq_engineer_stock_engineer_part", "engineer_id", "part_id", unique=True),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class StockMovement(Base):
    """One change of stock, never updated or deleted: each part's history traces every
    unit in and out. `quantity` is the signed change of the warehouse stock,
    `engineer_quantity` that of `engineer_id`'s stock (0 where it is not involved)."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_part_id_id", "part_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    engineer_quantity: Mapped[int] = mapped_column(Integer, default=0)
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    on_hand_after: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(300))
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    purchase_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_orders.id"), index=True
    )
    part_sale_id: Mapped[int | None] = mapped_column(ForeignKey("part_sales.id"), index=True)
    outing_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("outing_requests.id"), index=True
    )


class TicketPart(Tracked, Base):
    """A part used on a ticket: how many, at what unit price, and what it costs the
    customer (0 under warranty)."""

    __tablename__ = "ticket_parts"
    __table_args__ = (Index("uq_ticket_parts_ticket_part", "ticket_id", "part_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    charge: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    under_warranty: Mapped[bool] = mapped_column(Boolean, default=False)
