"""Output types of purchase orders. Only ADMIN and BACK_OFFICE read purchase orders at all
(Action.PURCHASE_READ), so their purchase prices need no field-level hiding."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.access import ANYONE, TRACKING
from domain.purchasing.orders import PurchaseOrderStatus as DomainStatus
from domain.purchasing.orders import line_amount
from resolvers import visibility
from resolvers.context import Info
from schema.accounts.types import User
from schema.parts.types import Part
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

PurchaseOrderStatus = strawberry.enum(DomainStatus, name="PurchaseOrderStatus")


async def _user(info: Info, pk: int | None) -> User | None:
    return None if pk is None else await info.context.loaders.user.load(pk)


@strawberry.type(description="One part on a purchase order.")
class PurchaseOrderLine(Tracked):
    __read__ = ReadRule(
        part_of=("PurchaseOrder",),
        fields={
            ANYONE: (
                "id",
                "quantity",
                "unit_price",
                "received_quantity",
                "outstanding",
                "amount",
                "part",
                *TRACKING,
            )
        },
    )

    quantity: int = strawberry.field(description="Units ordered.")
    unit_price: Decimal = strawberry.field(description="The purchase price per unit.")
    received_quantity: int = strawberry.field(description="Units received so far.")

    @strawberry.field(description="Units still to come.")
    def outstanding(self) -> int:
        return max(self.quantity - self.received_quantity, 0)

    @strawberry.field(description="quantity × unitPrice.")
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price)

    part: Part | None = relation("part", key="part_id")


@strawberry.type(
    description="An order of parts from a supplier: DRAFT → REVIEWED → APPROVED (by "
    "someone other than the reviewer) → ISSUED → PARTLY_RECEIVED / RECEIVED; CANCELLED "
    "before anything is received."
)
class PurchaseOrder(Tracked):
    __read__ = ReadRule(
        rows=visibility.MANAGER_ROWS,
        fields={
            ANYONE: (
                "id",
                "number",
                "supplier",
                "status",
                "note",
                "reviewed_at",
                "approved_at",
                "issued_at",
                "received_at",
                "cancelled_at",
                "cancel_reason",
                "reviewed_by",
                "approved_by",
                "issued_by",
                "cancelled_by",
                "lines",
                "total",
                *TRACKING,
            )
        },
    )

    number: str | None = strawberry.field(description="PO<year>-<id>, e.g. PO2026-000123.")
    supplier: str
    status: PurchaseOrderStatus
    note: str | None
    reviewed_at: datetime | None
    approved_at: datetime | None
    issued_at: datetime | None
    received_at: datetime | None = strawberry.field(
        description="When the latest receipt was taken in (complete once RECEIVED)."
    )
    cancelled_at: datetime | None
    cancel_reason: str | None

    reviewed_by: User | None = relation("user", key="reviewed_by_id")

    approved_by: User | None = relation(
        "user",
        key="approved_by_id",
        description="The second reviewer: never the same person as reviewedBy.",
    )

    issued_by: User | None = relation("user", key="issued_by_id")

    cancelled_by: User | None = relation("user", key="cancelled_by_id")

    lines: list[PurchaseOrderLine] = relation(
        "purchase_order_lines", key="id", description="In the order they were entered."
    )

    @strawberry.field(description="The sum of the lines' amounts.")
    async def total(self, info: Info) -> Decimal:
        rows = await info.context.loaders.purchase_order_lines.load(self.id)
        return sum((line_amount(r.quantity, r.unit_price) for r in rows), Decimal("0.00"))
