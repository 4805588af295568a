"""Root fields of sales (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.sales import part_sales
from schema.pagination import Connection
from schema.sales.inputs import PartSaleFilter, PartSaleInput
from schema.sales.types import PartSale


@strawberry.type
class SaleQueries:
    @strawberry.field(
        description="Parts sales, newest first: a customer sees its own, an agent its "
        "customers', staff all."
    )
    async def part_sales(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: PartSaleFilter | None = None,
    ) -> Connection[PartSale]:
        return await part_sales.part_sales(info.context, first, after, filter)  # type: ignore[return-value]

    @strawberry.field
    async def part_sale(self, info: Info, id: ID) -> PartSale:
        return await part_sales.part_sale(info.context, id)  # type: ignore[return-value]


@strawberry.type
class SaleMutations:
    @strawberry.mutation(
        description="Parts sold to a customer outside a ticket (ADMIN, BACK_OFFICE, "
        "CUSTOMER_SERVICE): each line at list price or a discount down to the minimum "
        "price; the stock leaves the warehouse by SALE movements, or nothing happens."
    )
    async def create_part_sale(self, info: Info, input: PartSaleInput) -> PartSale:
        return await part_sales.create_part_sale(info.context, input)  # type: ignore[return-value]
