"""Root fields of purchase orders (merged into the Query and Mutation roots). ADMIN and
BACK_OFFICE only."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.purchasing import orders as purchase_orders
from schema.pagination import Connection
from schema.parts.inputs import ReceiptLineInput
from schema.purchasing.inputs import PurchaseOrderFilter, PurchaseOrderInput
from schema.purchasing.types import PurchaseOrder


@strawberry.type
class PurchaseOrderQueries:
    @strawberry.field(description="Purchase orders, newest first.")
    async def purchase_orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: PurchaseOrderFilter | None = None,
    ) -> Connection[PurchaseOrder]:
        return await purchase_orders.purchase_orders(info.context, first, after, filter)  # type: ignore[return-value]

    @strawberry.field
    async def purchase_order(self, info: Info, id: ID) -> PurchaseOrder:
        return await purchase_orders.purchase_order(info.context, id)  # type: ignore[return-value]


@strawberry.type
class PurchaseOrderMutations:
    @strawberry.mutation(description="A new order in DRAFT, numbered PO<year>-<id>.")
    async def create_purchase_order(self, info: Info, input: PurchaseOrderInput) -> PurchaseOrder:
        return await purchase_orders.create_purchase_order(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(description="DRAFT → REVIEWED (the first review).")
    async def review_purchase_order(self, info: Info, id: ID) -> PurchaseOrder:
        return await purchase_orders.review_purchase_order(info.context, id)  # type: ignore[return-value]

    @strawberry.mutation(
        description="REVIEWED → APPROVED (the second review): FORBIDDEN for the reviewer."
    )
    async def approve_purchase_order(self, info: Info, id: ID) -> PurchaseOrder:
        return await purchase_orders.approve_purchase_order(info.context, id)  # type: ignore[return-value]

    @strawberry.mutation(description="APPROVED → ISSUED (sent to the supplier).")
    async def issue_purchase_order(self, info: Info, id: ID) -> PurchaseOrder:
        return await purchase_orders.issue_purchase_order(info.context, id)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Goods in: RECEIPT movements at each line's purchase price, never more "
        "than is outstanding; PARTLY_RECEIVED, or RECEIVED once every line is complete."
    )
    async def receive_purchase_order(
        self, info: Info, id: ID, lines: list[ReceiptLineInput]
    ) -> PurchaseOrder:
        return await purchase_orders.receive_purchase_order(info.context, id, lines)  # type: ignore[return-value]

    @strawberry.mutation(
        description="→ CANCELLED from DRAFT, REVIEWED, APPROVED, or ISSUED while nothing "
        "was received."
    )
    async def cancel_purchase_order(self, info: Info, id: ID, reason: str) -> PurchaseOrder:
        return await purchase_orders.cancel_purchase_order(info.context, id, reason)  # type: ignore[return-value]
