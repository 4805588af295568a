"""Parts sold to customers and the sale lines."""

from __future__ import annotations

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


class PartSale(Tracked, Base):
    """Parts sold to a customer outside a ticket."""

    __tablename__ = "part_sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class PartSaleLine(Tracked, Base):
    """One line of a sale, with the part's prices as they were when it was sold."""

    __tablename__ = "part_sale_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_sale_id: Mapped[int] = mapped_column(ForeignKey("part_sales.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    cost_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    list_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    minimum_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
