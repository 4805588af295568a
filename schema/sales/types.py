"""Output types of parts sales. A line's cost price and margin are the office's, its
minimum price staff's: null for anyone else."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import ID

from domain.access import ANYONE, OFFICE_ONLY, STAFF_ONLY, TRACKING
from domain.sales.part_sales import line_margin
from resolvers import visibility
from resolvers.ids import encode_id
from schema.accounts.types import User
from schema.directory.types import Customer
from schema.parts.types import Part
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked


@strawberry.type(description="One part of a sale, with the part's prices as they were then.")
class PartSaleLine:
    __read__ = ReadRule(
        part_of=("PartSale",),
        fields={
            ANYONE: ("id", "quantity", "unit_price", "amount", "list_price", "part"),
            STAFF_ONLY: ("minimum_price",),
            OFFICE_ONLY: ("cost_price", "margin"),
        },
    )

    quantity: int
    unit_price: Decimal = strawberry.field(description="The price it was sold at, per unit.")
    amount: Decimal = strawberry.field(description="unitPrice x quantity.")
    list_price: Decimal = strawberry.field(description="The part's list price when sold.")

    @strawberry.field
    def id(self) -> ID:
        return ID(encode_id("PartSaleLine", self.id))

    part: Part | None = relation("part", key="part_id")

    cost_price: Decimal | None = strawberry.field(
        description="The part's cost price when sold. The office only."
    )
    minimum_price: Decimal | None = strawberry.field(
        description="The part's minimum price when sold. Staff only."
    )

    @strawberry.field(description="amount - costPrice x quantity. The office only.")
    def margin(self) -> Decimal | None:
        return line_margin(self.amount, self.cost_price, self.quantity)


@strawberry.type(description="Parts sold to a customer outside a ticket.")
class PartSale(Tracked):
    __read__ = ReadRule(
        rows=visibility.PART_SALES,
        fields={
            ANYONE: ("id", "number", "note", "total", "customer", "lines", "sold_by", *TRACKING)
        },
    )

    number: str | None = strawberry.field(description="PS<year>-<sequence>, e.g. PS2026-000123.")
    note: str | None
    total: Decimal = strawberry.field(description="The sum of the lines' amounts.")

    customer: Customer | None = relation("customer", key="customer_id")

    lines: list[PartSaleLine] = relation(
        "part_sale_lines", key="id", description="One line per part, in the order first named."
    )

    sold_by: User | None = relation(
        "user", key="created_by_id", description="Who recorded the sale."
    )
