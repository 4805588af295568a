"""Inputs of purchase orders (the lines are the parts' PartLineInput and
ReceiptLineInput)."""

from __future__ import annotations

import strawberry

from schema.parts.inputs import PartLineInput
from schema.purchasing.types import PurchaseOrderStatus


@strawberry.input
class PurchaseOrderInput:
    supplier: str
    lines: list[PartLineInput] = strawberry.field(
        description="Each part at most once; unitPrice is the purchase price (the part's "
        "cost price when omitted)."
    )
    note: str | None = None


@strawberry.input
class PurchaseOrderFilter:
    status: PurchaseOrderStatus | None = None
    search: str | None = strawberry.field(default=None, description="In supplier and number.")
    part_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only orders with a line of this part."
    )
